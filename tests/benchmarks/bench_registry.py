"""Benchmark what a maintainer and a registry admin do on the 10,000-file project.

Part of `make bench` (tests/benchmarks/run_all.py), which seeds the data and calls these
functions with the big project (`seed_scale`'s `<prefix>-big-1`: 5,000 versions x sdist + wheel)
and its owner:

- `maintainer_page`: the owner's `/manage/<name>/` through the Django test client;
- `policy_decisions`: `registry.facts.Decider` built for the owner and asked whether the project,
  and its newest release, may be deleted (the facts are read on every run, as a page does);
- `uploads`: a twine-protocol POST of a new wheel to `/legacy/` with an API token, each run a
  new version of the big project;
- `restore`: a registry admin restores 35 removed files (the files are removed again, untimed,
  before every run) of the project whose live files come closest above 35.
"""

import base64
import hashlib
import itertools

from .report import Figure, Threshold, count_queries, time_calls

MAINTAINER_PAGE = Threshold(median_ms=100)
RESTORE = Threshold(median_ms=200)
RESTORED_FILES = 35
REASON = "Benchmark"


def maintainer_page(client, project, *, runs):
    """The owner's page of `project`, `client` logged in as an owner."""
    url = f"/manage/{project.normalized_name}/"

    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}, not 200.")
        return response

    queries, _ = count_queries(get)
    timings = time_calls(get, runs=runs)
    return [Figure(f"maintainer page {url}", timings, queries=queries, threshold=MAINTAINER_PAGE)]


def policy_decisions(project, owner, *, runs, now):
    """Deciding, as the owner, whether the project and its newest release may be deleted."""
    from registry.facts import Decider
    from registry.policy import Action

    release = project.releases.order_by("-created_at", "-pk").first()
    cases = [
        ("delete the project", {}, Action.DELETE_PROJECT),
        (f"delete release {release.version}", {"release": release}, Action.DELETE_RELEASE),
    ]
    figures = []
    for label, kwargs, action in cases:

        def decide(kwargs=kwargs, action=action):
            return Decider(project, owner, now=now).decide(action, **kwargs)

        queries, decision = count_queries(decide)
        timings = time_calls(decide, runs=runs)
        verdict = "allowed" if decision.allowed else f"refused: {decision.rule}"
        figures.append(
            Figure(
                f"policy decision: {label} of {project.name}",
                timings,
                queries=queries,
                note=verdict,
            )
        )
    return figures


def uploads(client, project, owner, *, runs):
    """Upload a new wheel of `project` through `/legacy/` as twine does, one version a run."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from registry import tokens
    from registry.distributions import build_wheel

    _token, secret = tokens.create_token(user=owner, description="benchmark uploads")
    auth = base64.b64encode(f"__token__:{secret}".encode()).decode()
    versions = (f"9000.0.{n}" for n in itertools.count())
    forms = []

    def prepare():
        built = build_wheel(project.name, next(versions))
        forms.append(
            {
                ":action": "file_upload",
                "protocol_version": "1",
                "name": project.name,
                "version": built.filename.split("-")[1],
                "filetype": "bdist_wheel",
                "pyversion": "py3",
                "metadata_version": "2.1",
                "sha256_digest": hashlib.sha256(built.content).hexdigest(),
                "content": SimpleUploadedFile(built.filename, built.content),
            }
        )

    def post():
        response = client.post("/legacy/", forms.pop(), HTTP_AUTHORIZATION=f"Basic {auth}")
        if response.status_code != 200:
            raise RuntimeError(f"Upload answered {response.status_code}: {response.content!r}")
        return response

    prepare()
    queries, _ = count_queries(post)
    timings = time_calls(post, runs=runs, before=prepare)
    return [Figure(f"upload a wheel to {project.name} (/legacy/)", timings, queries=queries)]


def restore(admin, *, runs):
    """A registry admin restores 35 removed files in one action."""
    from django.core import mail
    from django.db.models import Count, Q

    from registry import services
    from registry.models import File, Project, RemovalCategory

    project = (
        Project.objects.live()
        .annotate(
            live=Count(
                "releases__files",
                filter=Q(releases__removed_at=None, releases__files__removed_at=None),
            )
        )
        .filter(live__gte=RESTORED_FILES)
        .order_by("live", "pk")
        .first()
    )
    files = list(
        File.objects.filter(
            release__project=project, release__removed_at=None, removed_at=None
        ).order_by("pk")[:RESTORED_FILES]
    )
    events = []

    def remove():
        mail.outbox.clear()
        events.append(
            services.remove_files(
                files=files, actor=admin, reason=REASON, category=RemovalCategory.ADMIN
            )
        )

    def put_back():
        return services.restore_removal(event=events.pop(), actor=admin, reason=REASON)

    remove()
    queries, result = count_queries(put_back)
    if result.files != RESTORED_FILES:
        raise RuntimeError(f"Restored {result.files} files, not {RESTORED_FILES}.")
    timings = time_calls(put_back, runs=runs, before=remove)
    return [
        Figure(
            f"restore {RESTORED_FILES} removed files of {project.name}",
            timings,
            queries=queries,
            threshold=RESTORE,
        )
    ]
