"""What a transition plans and how it is carried out: the shapes every queue's effects share
(`moderation.services.effects` and `moderation.services.names` define them)."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PlanItem:
    label: str
    detail: str = ""


@dataclass(frozen=True)
class Effect:
    plan: Callable  # (case, now, data) -> [PlanItem]
    execute: Callable | None  # (case, *, actor, reason, now, data) -> [RemovalEvent]
    fields: tuple = ()  # the case fields the executor sets
    execute_many: Callable | None = None  # the scheduler's: (cases, *, ...) in fixed queries

    def run(self, case, **context):
        """Carry the effect out on one case; return the removal events it caused."""
        if self.execute is not None:
            return self.execute(case, **context)
        self.execute_many([case], **context)
        return []

    def run_many(self, cases, **context):
        """Carry the effect out on many cases, in a fixed number of queries where it can."""
        if self.execute_many is not None:
            self.execute_many(cases, **context)
        else:
            for case in cases:
                self.execute(case, **context)
