"""Guards the registry services share: a reason given, an admin acting, the policy's consent,
and rows locked in one order (the project first, then its releases)."""

from django.core.exceptions import ValidationError

from ..facts import Decider, is_registry_admin
from ..models import Project, Release
from .errors import PolicyRefusal, RegistryError


def require_reason(reason):
    """Refuse an act without a reason: every change records why it was made."""
    if not reason or not reason.strip():
        raise RegistryError("Give a reason: it is recorded in the history.", code="no_reason")


def first_message(error: ValidationError):
    """Return the first message of a validation error, for a RegistryError."""
    return error.messages[0] if error.messages else str(error)


def require_admin(actor, what):
    """Refuse `what` to anyone but a registry admin."""
    if not is_registry_admin(actor):
        raise RegistryError(
            f"Only registry admins can {what}. Support staff can recommend it on the request; "
            "maintainers can file a deletion exception request.",
            code="admin_only",
        )


def check_policy(action, *, project, actor, now, release=None, file=None, decider=None):
    """Return the policy's Decision, or raise PolicyRefusal when it refuses."""
    decider = decider or Decider(project, actor, now=now)
    decision = decider.decide(action, release=release, file=file)
    if not decision.allowed:
        raise PolicyRefusal(decision)
    return decision


def locked_project(project):
    """Return `project` read again and locked until the transaction ends."""
    return Project.objects.select_for_update().get(pk=project.pk)


def locked_release(release):
    """Return `release` (with its project) read again and locked; lock the project first."""
    return Release.objects.select_for_update().select_related("project").get(pk=release.pk)


def refuse_if_removed(project):
    """Refuse to change the status or settings of a removed project."""
    if project.is_removed:
        raise RegistryError(
            f"{project.name} has been removed, so its status and settings cannot change. A "
            "registry admin can restore it first.",
            code="removed",
        )
