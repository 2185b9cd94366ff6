"""What each deletion-policy preset would let owners delete right now, on the registry's data.

`compare(presets, now=...)` runs the pure policy (`registry.policy.decide`) as an owner for
every live project (deleting the project), every live release (deleting the release) and every
live file (deleting the file alone), under each preset, and answers:

- how many projects, releases and files their owners may delete;
- which of the 20 most downloaded projects (last 30 days) and the 20 most depended-on projects
  the owners may delete outright;
- the share of projects the owners may delete in each popularity decile (live projects ranked
  by 30-day downloads, then by name; decile 1 is the most downloaded tenth).

Each preset is judged with its default parameters (`policy.build_config(preset)`), except the
configured one (`HOLDFAST_POLICY`), which keeps its `HOLDFAST_POLICY_*` overrides, so its row
says what this registry actually allows.

The facts come from `reports.facts.live_project_facts` (a fixed number of queries, streamed);
the judging is `reports.judging` (pure). Work
that cannot change the answer is shared: the project's facts are built once for all presets,
and among the live files of one release those uploaded at the same moment are judged once.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from .. import policy
from ..facts import policy_config
from ..models import Project
from .facts import live_project_facts
from .judging import judge_under_each

TOP = 20
DECILES = 10
PROGRESS_EVERY = 1000


@dataclass(frozen=True)
class Tally:
    total: int
    deletable: int

    @property
    def share(self) -> float | None:
        """The deletable share, or None when there is nothing to share."""
        return self.deletable / self.total if self.total else None


@dataclass(frozen=True)
class Verdict:
    """Whether one preset lets the owners delete one project, and the rule that decided."""

    preset: str
    allowed: bool
    rule: str


@dataclass(frozen=True)
class TopProject:
    rank: int
    name: str
    downloads_30_days: int
    dependents: int
    verdicts: tuple[Verdict, ...]  # One per preset, in the comparison's order.

    def let_go_by(self) -> tuple[str, ...]:
        return tuple(verdict.preset for verdict in self.verdicts if verdict.allowed)


@dataclass(frozen=True)
class Decile:
    number: int  # 1: the most downloaded tenth of the live projects.
    projects: int
    downloads_min: int | None
    downloads_max: int | None


@dataclass(frozen=True)
class PresetResult:
    preset: str
    parameters: tuple[tuple[str, int], ...]  # Sorted by name.
    configured: bool  # The registry's configured preset, judged with its overrides.
    projects: Tally
    releases: Tally
    files: Tally
    deciles: tuple[Tally, ...]  # Projects, per popularity decile.


@dataclass(frozen=True)
class Comparison:
    now: datetime
    projects: int
    releases: int
    files: int
    presets: tuple[PresetResult, ...]
    deciles: tuple[Decile, ...]
    top_downloaded: tuple[TopProject, ...]
    top_depended: tuple[TopProject, ...]

    @property
    def preset_names(self) -> tuple[str, ...]:
        return tuple(result.preset for result in self.presets)


def valid_presets() -> list[str]:
    return list(policy.PRESETS)


def configs_for(presets=None):
    """Return (PolicyConfig, configured) for each of `presets` (all, in the table's order, when
    empty), in the order given without repeats. Raise PolicyConfigError for an unknown name or
    for wrong overrides of the configured preset."""
    names = list(dict.fromkeys(name.strip() for name in presets or ())) or valid_presets()
    unknown = [name for name in names if name not in policy.PRESETS]
    if unknown:
        raise policy.PolicyConfigError(
            f"Unknown deletion policy preset{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(repr(name) for name in unknown)}; valid presets are: "
            f"{', '.join(valid_presets())}."
        )
    active = policy_config()
    return [
        (active, True) if name == active.preset else (policy.build_config(name), False)
        for name in names
    ]


def compare(presets=None, *, now, progress=None, exhaustive=False):
    """Compare `presets` (all when empty) on every live project at `now`; see the module.

    `progress(done, total)` is called every PROGRESS_EVERY projects and at the end.
    `exhaustive` judges every file on its own (what the shared judging must equal).
    """
    configs = configs_for(presets)
    with transaction.atomic():
        total = Project.objects.live().count()
        records, top_downloaded, top_depended = [], [], []
        policy_configs = [config for config, _ in configs]
        for done, row in enumerate(live_project_facts(now=now), start=1):
            judged = judge_under_each(row.facts, policy_configs, now, exhaustive=exhaustive)
            facts = row.facts
            records.append(
                (
                    -row.downloads_30_days,
                    row.normalized_name,
                    len(facts.releases),
                    sum(len(release.files) for release in facts.releases),
                    tuple((allowed, releases, files) for allowed, _r, releases, files in judged),
                )
            )
            candidate = (
                row.normalized_name,
                facts.name,
                row.downloads_30_days,
                facts.dependent_projects,
                tuple(
                    Verdict(config.preset, allowed, rule)
                    for (config, _), (allowed, rule, _r, _f) in zip(configs, judged, strict=True)
                ),
            )
            if row.downloads_30_days:
                _keep_top(top_downloaded, candidate, key=_by_downloads)
            if facts.dependent_projects:
                _keep_top(top_depended, candidate, key=_by_dependents)
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done, total)
    if progress is not None:
        progress(len(records), max(total, len(records)))
    return _summarise(now, configs, records, top_downloaded, top_depended)


def _by_downloads(candidate):
    return (-candidate[2], candidate[0])


def _by_dependents(candidate):
    return (-candidate[3], -candidate[2], candidate[0])


def _keep_top(kept, candidate, *, key):
    """Add `candidate`, trimming `kept` to the TOP first by `key` now and then (cheaply)."""
    kept.append(candidate)
    if len(kept) >= 8 * TOP:
        kept.sort(key=key)
        del kept[TOP:]


def _top(kept, key):
    return tuple(
        TopProject(rank, name, downloads, dependents, verdicts)
        for rank, (_normalized, name, downloads, dependents, verdicts) in enumerate(
            sorted(kept, key=key)[:TOP], start=1
        )
    )


def _summarise(now, configs, records, top_downloaded, top_depended):
    records.sort()  # Most downloaded first, then by name: the popularity order.
    count = len(records)
    deciles = [[] for _ in range(DECILES)]
    for position, record in enumerate(records):
        deciles[position * DECILES // count].append(record)
    releases = sum(record[2] for record in records)
    files = sum(record[3] for record in records)
    results = []
    for index, (config, configured) in enumerate(configs):
        results.append(
            PresetResult(
                preset=config.preset,
                parameters=tuple(sorted(config.params.items())),
                configured=configured,
                projects=Tally(count, sum(record[4][index][0] for record in records)),
                releases=Tally(releases, sum(record[4][index][1] for record in records)),
                files=Tally(files, sum(record[4][index][2] for record in records)),
                deciles=tuple(
                    Tally(len(decile), sum(record[4][index][0] for record in decile))
                    for decile in deciles
                ),
            )
        )
    return Comparison(
        now=now,
        projects=count,
        releases=releases,
        files=files,
        presets=tuple(results),
        deciles=tuple(
            Decile(
                number,
                len(decile),
                -decile[-1][0] if decile else None,
                -decile[0][0] if decile else None,
            )
            for number, decile in enumerate(deciles, start=1)
        ),
        top_downloaded=_top(top_downloaded, _by_downloads),
        top_depended=_top(top_depended, _by_dependents),
    )
