"""Where another app adds to the registry's pages without the registry importing it.

The registry must never import moderation, yet a project's page has to show the moderation
cases that concern it (a staged removal, a takedown) and hide the actions such a case makes
conflicting. An app registers a provider in its `AppConfig.ready()`; the project page asks every
provider for its notices. The project's admin page asks the providers registered for it
(`register_admin_project_notices`), whose links lead to admin pages.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProjectNotice:
    """One thing another app wants the people on a project's page to see.

    `hides` names the registry actions (`registry.policy.Action` values) that the page must not
    offer while the notice stands, because they would conflict with it; `level` is "info" or
    "warning" (a CSS class of the notice).
    """

    title: str
    text: str
    url: str = ""
    link_text: str = ""
    level: str = "info"
    hides: frozenset[str] = field(default_factory=frozenset)


NoticeProvider = Callable[..., list[ProjectNotice]]

_providers: list[NoticeProvider] = []


def register_project_notices(provider: NoticeProvider) -> NoticeProvider:
    """Register `provider(project, user)`, which returns a list of `ProjectNotice`."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def project_notices(project, user) -> list[ProjectNotice]:
    """Every registered provider's notices for this project, as this person may see them."""
    notices = []
    for provider in _providers:
        notices.extend(provider(project, user))
    return notices


def unregister_project_notices(provider: NoticeProvider) -> None:
    """Forget `provider` (tests register their own and must leave none behind)."""
    if provider in _providers:
        _providers.remove(provider)


# Admin notices: the project's admin page lists what other apps hold about it (moderation adds
# the project's open cases of every queue, with links to their admin pages). They are kept apart
# from `project_notices`, whose texts and links are for the maintainers' own pages.

_admin_providers: list[NoticeProvider] = []


def register_admin_project_notices(provider: NoticeProvider) -> NoticeProvider:
    """Register `provider(project, user)` for the project's admin page: it returns a list of
    `ProjectNotice` whose links lead to admin pages `user` may open."""
    if provider not in _admin_providers:
        _admin_providers.append(provider)
    return provider


def admin_project_notices(project, user) -> list[ProjectNotice]:
    """Every registered admin provider's notices for `project`, as staff member `user` sees them."""
    notices = []
    for provider in _admin_providers:
        notices.extend(provider(project, user))
    return notices


def unregister_admin_project_notices(provider: NoticeProvider) -> None:
    """Forget an admin notices `provider` (tests register their own and must leave none behind)."""
    if provider in _admin_providers:
        _admin_providers.remove(provider)


# Seeders: `manage.py seed_scale` writes the registry's rows, then asks every registered seeder
# to add its own (moderation adds its requests) without the registry importing that app.

Seeder = Callable[..., dict[str, int]]

_seeders: list[Seeder] = []


def register_scale_seeder(seeder: Seeder) -> Seeder:
    """Register `seeder(projects, *, rng, now, history)`, called by `seed_scale` after the
    registry is written with the seeded projects (a list of `Project`, ordered by name), a
    `random.Random` of the run, the run's "now" and whether to write history rows. It returns
    the rows it wrote per kind (for the command's summary)."""
    if seeder not in _seeders:
        _seeders.append(seeder)
    return seeder


def scale_seeders() -> list[Seeder]:
    return list(_seeders)


# New projects: the registry tells listeners about a new project whose name is a possible
# typosquat of a popular one (moderation files a "possible typosquat" report for staff) without
# importing them. The upload is accepted whatever a listener does.

NewProjectListener = Callable[..., None]

_new_project_listeners: list[NewProjectListener] = []


def register_new_project_listener(listener: NewProjectListener) -> NewProjectListener:
    """Register `listener(*, project, similar_to, actor, now)`, called after the transaction
    that registered `project` commits, when its name is within a small edit distance of the
    popular projects named in `similar_to` (normalised names, most downloaded first; never
    empty). `actor` is the uploader, `now` the upload's time."""
    if listener not in _new_project_listeners:
        _new_project_listeners.append(listener)
    return listener


def new_project_listeners() -> list[NewProjectListener]:
    return list(_new_project_listeners)


def unregister_new_project_listener(listener: NewProjectListener) -> None:
    """Forget `listener` (tests register their own and must leave none behind)."""
    if listener in _new_project_listeners:
        _new_project_listeners.remove(listener)
