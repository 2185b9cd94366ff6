"""What the rules read of versions: version 0, pre-releases, and every version ever, summed up."""

from packaging.version import InvalidVersion, Version

from .core import ProjectFacts, VersionsSummary
from .wording import LISTED


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None  # Versions are validated on upload; an odd legacy one counts as ordinary.


def _is_version_zero(text: str) -> bool:
    version = _version(text)
    return version is not None and version == Version("0")


def _is_prerelease(text: str) -> bool:
    version = _version(text)
    return version is not None and version.is_prerelease


def versions_summary(project: ProjectFacts) -> VersionsSummary:
    """Return the VersionsSummary of `project`: the one it was given, or one made from every
    version it lists."""
    if project.versions is not None:
        return project.versions
    live = {r.version for r in project.releases}
    every = [
        (version, version in live)
        for version in dict.fromkeys(
            (*project.versions_ever, *(r.version for r in project.releases))
        )
    ]
    not_zero = [(version, is_live) for version, is_live in every if not _is_version_zero(version)]
    return VersionsSummary(
        count=len(every),
        listed=tuple(every[:LISTED]),
        not_zero_count=len(not_zero),
        not_zero_listed=tuple(not_zero[:LISTED]),
    )
