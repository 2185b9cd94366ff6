"""Judge one project's facts under each preset: the pure part of the report (no ORM)."""

from .. import policy

_OWNER = policy.ActorRole.OWNER
_PROJECT, _RELEASE, _FILE = (
    policy.Action.DELETE_PROJECT,
    policy.Action.DELETE_RELEASE,
    policy.Action.DELETE_FILE,
)


def _file_allowed(facts, release, file, config, now):
    """Whether an owner may delete `file` of `release` on its own."""
    return policy.decide(
        _FILE, project=facts, actor=_OWNER, now=now, config=config, release=release, file=file
    ).allowed


def judge(facts, *, config, now):
    """Return (project decision, deletable releases, deletable files) for one project.

    Among the live files of one release, those uploaded at the same moment are judged once:
    the policy sees a file only through its upload time and whether it is the last one, and
    the files of one release are all the last, or none of them.
    """
    decide = policy.decide
    project = decide(_PROJECT, project=facts, actor=_OWNER, now=now, config=config)
    releases = files = 0
    for release in facts.releases:
        if decide(
            _RELEASE, project=facts, actor=_OWNER, now=now, config=config, release=release
        ).allowed:
            releases += 1
        by_upload = {}
        for file in release.files:
            allowed = by_upload.get(file.uploaded_at)
            if allowed is None:
                allowed = by_upload[file.uploaded_at] = _file_allowed(
                    facts, release, file, config, now
                )
            files += allowed
    return project, releases, files


def judge_each_file(facts, *, config, now):
    """Like `judge`, with every file judged on its own: what `judge`'s sharing must equal."""
    project, releases, _files = judge(facts, config=config, now=now)
    files = sum(
        _file_allowed(facts, release, file, config, now)
        for release in facts.releases
        for file in release.files
    )
    return project, releases, files


def judge_under_each(facts, configs, now, *, exhaustive=False):
    """Return, per config, (project allowed, its rule, deletable releases, deletable files)."""
    how = judge_each_file if exhaustive else judge
    judged = []
    for config in configs:
        decision, releases, files = how(facts, config=config, now=now)
        judged.append((decision.allowed, decision.rule, releases, files))
    return judged
