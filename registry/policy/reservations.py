"""Removed names: who may register the name of a removed project, and when, under each preset."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .core import ProjectFacts, ReservationRule
from .wording import _duration, _plural

if TYPE_CHECKING:
    from .config import PolicyConfig


def _cooldown(previous_owners_may_register: bool):
    """Make a reservation rule that blocks the name for `name_cooldown_hours`."""

    def reservation(project: ProjectFacts, now: datetime, config: PolicyConfig):
        hours = config.params["name_cooldown_hours"]
        policy = f"this registry's policy (the {config.preset} preset)"
        if previous_owners_may_register:
            who, owners = "others", "; its previous owners may register it again at once"
        else:
            who, owners = "everyone, its previous owners included,", ""
        if hours == 0:
            blocked = f"Under {policy} the name {project.name} is free for anyone at once."
        else:
            blocked = (
                f"Under {policy} the name {project.name} is blocked for {who} for "
                f"{_plural(hours, 'hour')} after its removal{owners}."
            )
        return ReservationRule(timedelta(hours=hours), previous_owners_may_register, blocked)

    return reservation


def _rubygems_reservation(project: ProjectFacts, now: datetime, config: PolicyConfig):
    young, days = config.params["young_project_days"], config.params["name_reservation_days"]
    age = max(now - project.created_at, timedelta(0))
    policy = f"this registry's policy (the {config.preset} preset)"
    if age < timedelta(days=young):
        return ReservationRule(
            timedelta(0),
            True,
            f"{project.name} was {_duration(age)} old when removed, younger than "
            f"{_plural(young, 'day')}, so under {policy} its name is free for anyone at once.",
        )
    return ReservationRule(
        timedelta(days=days),
        True,
        f"{project.name} was {_duration(age)} old when removed, not younger than "
        f"{_plural(young, 'day')}, so under {policy} its name is reserved from others for "
        f"{_plural(days, 'day')}; its previous owners may register it again at once.",
    )


def _immutable_reservation(project: ProjectFacts, now: datetime, config: PolicyConfig):
    # Owners never remove anything here; a name an admin removed is never handed to anyone,
    # since restoring the project is how it comes back.
    return ReservationRule(
        None,
        False,
        f"Under this registry's policy (the {config.preset} preset) nothing is ever reused: the "
        f"name {project.name} stays reserved for good; only restoring the project brings it back.",
    )


def _free_at_once(project: ProjectFacts, now: datetime, config: PolicyConfig):
    return ReservationRule(
        timedelta(0),
        True,
        f"Under this registry's policy (the {config.preset} preset) the name {project.name} is "
        "free for anyone at once.",
    )
