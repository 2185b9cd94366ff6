"""Fill the moderation queues of the demo registry (run after `seed_demo`; idempotent).

Every request is filed and moved through the same services the public forms, maintainers and
staff use, so the history and the registry changes are real. Emails go nowhere while seeding.

The name requests (PEP 541) come with four quiet projects of their own, registered and
released years ago through the registry's services (`seed_demo`'s own builder), and one on
tinypad: one request at each stage of the queue. Each is seeded unless its project already
has a name request, so a second run adds nothing.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from moderation import services
from moderation.models import (
    AbuseReport,
    DeletionException,
    LegalTakedown,
    NameGround,
    NameIntent,
    NameRequest,
    StagedRemoval,
)
from moderation.services import names, staged
from moderation.services.schedule import reachability_period
from registry import outbox
from registry.management.commands.seed_demo import Command as RegistryDemo
from registry.management.commands.seed_demo import DemoProject
from registry.models import OutboxMessage, Project

COPYRIGHT = {
    "requester_name": "Dana Rights",
    "requester_email": "legal@rights.example",
    "organisation": "Example Books Ltd",
    "postal_address": "1 Example Street, London",
    "phone": "+44 20 0000 0000",
    "signature": "Dana Rights",
    "work_description": "The novel 'Atomic Words' (2019), chapters 1-3.",
    "good_faith": True,
    "accurate_under_perjury": True,
}


# The projects whose names are asked for (tinypad, from seed_demo, is the fifth): quiet for
# years, owned by bob. `fastgrid` only ever had 0.0.0, an empty placeholder (name squatting).
NAME_PROJECTS = [
    DemoProject(
        "sleepy-parser",
        owners=["bob"],
        age_days=6 * 365,
        versions=["0.1.0", "0.2.0", "1.0.0"],
        daily_downloads=2,
    ),
    DemoProject(
        "yamlish", owners=["bob"], age_days=5 * 365, versions=["1.0.0", "1.1.0"], daily_downloads=5
    ),
    DemoProject("old-colors", owners=["bob"], age_days=7 * 365, versions=["0.9.0", "1.0.0"]),
    DemoProject("fastgrid", owners=["bob"], age_days=3 * 365, versions=["0.0.0"]),
]


class Command(BaseCommand):
    help = "Fill the moderation queues with demo requests (idempotent; run after seed_demo)."

    def handle(self, *args, **options):
        users = {user.username: user for user in get_user_model().objects.all()}
        if not {"admin", "support", "alice", "bob", "carol"} <= users.keys():
            raise CommandError("Run `manage.py seed_demo` first.")
        queues = not any(
            model.objects.exists()
            for model in (LegalTakedown, DeletionException, AbuseReport, StagedRemoval)
        )
        now = timezone.now()
        last_queued = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first()
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            with transaction.atomic():
                if queues:
                    self.seed(users, now)
                added = self.seed_name_requests(users, now)
            # What the scheduler's batches queued while seeding goes nowhere too, now, rather
            # than to the console at the scheduler's first run.
            queued = OutboxMessage.objects.filter(sent_at__isnull=True, pk__gt=last_queued or 0)
            outbox.send_due(ids=list(queued.values_list("pk", flat=True)))
        if not (queues or added):
            self.stdout.write("Demo moderation requests already present; nothing to add.")
            return
        made = []
        if queues:
            made.append(
                "4 legal takedowns, 2 deletion exceptions, 2 abuse reports, 2 staged removals"
            )
        if added:
            made.append(f"{len(added)} name requests ({', '.join(added)})")
        self.stdout.write(
            f"Created demo moderation requests: {'; '.join(made)}. See /admin/moderation/."
        )

    def seed(self, users, now):
        admin, support, alice, bob = (users[name] for name in ("admin", "support", "alice", "bob"))

        def project(name):
            return Project.objects.by_name(name).get()

        # Legal takedowns: one overdue and unassigned, one waiting for the claimant, one whose
        # content is disabled, and one whose counter-notice period is over (the scheduler will
        # reinstate it on its first run).
        atomic = project("atomicfiles")
        services.submit_takedown(
            project=atomic,
            takedown_kind="copyright",
            data={**COPYRIGHT, "material_location": "atomicfiles 1.0.0 ships chapter 1 as data."},
            releases=[atomic.releases.get(version="1.0.0")],
            now=now - timedelta(days=5),
        )
        trademark, _key = services.submit_takedown(
            project=project("fresh-start"),
            takedown_kind="trademark",
            data={
                "requester_name": "Brand Owner Inc",
                "requester_email": "tm@brand.example",
                "material_location": "The project name and its README logo.",
                "legal_basis": "EU trademark 012345678",
                "details": "The name imitates our product.",
            },
            now=now - timedelta(days=1),
        )
        services.apply_transition(
            case=trademark,
            name="request_info",
            actor=support,
            reason="Which product is imitated?",
            now=now - timedelta(hours=20),
        )
        quiet = project("quiet-lib")
        privacy, _key = services.submit_takedown(
            project=quiet,
            takedown_kind="privacy",
            data={
                "requester_name": "Pat Person",
                "requester_email": "pat@example.org",
                "material_location": "quiet-lib 0.9.0 contains my home address in a test file.",
                "legal_basis": "GDPR Art. 17",
                "details": "I am the person named.",
            },
            releases=[quiet.releases.get(version="0.9.0")],
            now=now - timedelta(days=3),
        )
        for name, reason in (("accept", "Personal data, verified"), ("disable_content", "GDPR")):
            privacy = services.apply_transition(
                case=privacy, name=name, actor=admin, reason=reason, now=now - timedelta(days=2)
            )
        disputed, _key = services.submit_takedown(
            project=project("oldname"),
            takedown_kind="copyright",
            data={**COPYRIGHT, "material_location": "oldname 1.9.0, module text.py."},
            now=now - timedelta(days=30),
        )
        for name, reason in (
            ("accept", "Complete notice"),
            ("disable_content", "DMCA notice"),
            ("receive_counter_notice", "The owner disputes the claim"),
        ):
            disputed = services.apply_transition(
                case=disputed,
                name=name,
                actor=admin,
                reason=reason,
                now=now - timedelta(days=25),
                counter_notice="I wrote text.py myself in 2015; see the project history.",
            )

        # Deletion exceptions from maintainers.
        services.submit_exception(
            project=atomic,
            releases=[atomic.releases.get(version="1.3.0")],
            category="leaked_secret",
            details="1.3.0 shipped our PyPI token in tests/conftest.py; it is revoked, but the "
            "file should not stay public.",
            actor=alice,
            now=now - timedelta(hours=30),
        )
        oldtorch = project("oldtorch-demo")
        exception = services.submit_exception(
            project=oldtorch,
            releases=[oldtorch.releases.get(version="0.1.2")],
            category="broken_artifact",
            details="pip still picks the yanked 0.1.2 sdist on platforms without 2.0 wheels, "
            "and it fails to build.",
            actor=bob,
            now=now - timedelta(days=2),
        )
        services.apply_transition(
            case=exception,
            name="start_review",
            actor=support,
            reason="Looking at it",
            now=now - timedelta(days=1),
        )
        services.recommend(
            case=exception, text="Approve: yanking is not enough here (only sdist).", actor=support
        )

        # Abuse reports.
        services.submit_abuse_report(
            project=project("pad-user-8"),
            category="typosquatting",
            details="Looks like a typo of a popular name and was published recently.",
            requester_name="A. Reporter",
            requester_email="reporter@example.org",
            now=now - timedelta(hours=3),
        )
        spam, _key = services.submit_abuse_report(
            project=project("pad-user-7"),
            category="spam",
            details="The description links to a casino.",
            now=now - timedelta(days=4),
        )
        services.apply_transition(
            case=spam,
            name="clear",
            actor=support,
            reason="The link is the author's homepage.",
            now=now - timedelta(days=3),
        )

        # Staged removals: one just started, one whose deprecation period is already over (the
        # scheduler moves it to pending removal on its first run).
        staged.start(
            project=project("archived-tool"),
            message="Superseded by the standard library.",
            actor=bob,
            now=now - timedelta(days=2),
        )
        staged.start(
            project=project("placeholder-pkg"),
            message="This name was only a placeholder.",
            actor=alice,
            now=now - timedelta(days=40),
        )

    def seed_name_requests(self, users, now):
        """One name request at each stage of the queue, each on a project of its own; return
        the names of the projects whose request was added (none when all were there)."""
        admin, support, alice, carol = (
            users[name] for name in ("admin", "support", "alice", "carol")
        )
        builder = RegistryDemo()
        for spec in NAME_PROJECTS:
            if not Project.objects.by_name(spec.name).exists():
                builder.create_project(spec, users, now)
        period = reachability_period()
        day = timedelta(days=1)
        added = []

        def ask(name, requester, ground, intent, details, at):
            project = Project.objects.by_name(name).get()
            if NameRequest.objects.filter(project=project).exists():
                return None
            added.append(name)
            case, _key = names.submit_name_request(
                project=project,
                requester=requester,
                ground=ground,
                intent=intent,
                details=details,
                looked_for_another_name=True,
                now=at,
            )
            return case

        def move(case, name, actor, reason, at):
            return services.apply_transition(
                case=case, name=name, actor=actor, reason=reason, now=at
            )

        # Awaiting an admin's decision: bob never answered; the scheduler reminded him halfway
        # and handed the request to the admins when the period lapsed, four weeks ago.
        contacted = now - 28 * day - period
        case = ask(
            "old-colors",
            carol,
            NameGround.ABANDONED,
            NameIntent.MAINTAIN,
            "old-colors has had no release for years and its issue tracker is closed. I wrote "
            "to bob at the address in its metadata twice (no answer). I maintain a fork with "
            "fixes for Python 3.12 and would publish it as old-colors 1.1.0.",
            at=contacted - 5 * day,
        )
        if case is not None:
            move(case, "contact_owners", support, "Facts checked: no release in years", contacted)
            scheduler = staged.scheduler_user()
            names.remind_batch(now=contacted + period / 2, actor=scheduler)
            names.lapse_batch(now=contacted + period, actor=scheduler)

        # Refused by an owner's answer: alice keeps tinypad, quiet but not abandoned.
        case = ask(
            "tinypad",
            carol,
            NameGround.ABANDONED,
            NameIntent.MAINTAIN,
            "tinypad has had no release for three years, and my pad-user projects depend on "
            "it. I would like to maintain it.",
            at=now - 30 * day,
        )
        if case is not None:
            move(case, "contact_owners", support, "Facts checked; asking alice", now - 29 * day)
            names.keep_project(
                case=case,
                owner=alice,
                answer="I am here: tinypad is finished, not abandoned. Send patches my way.",
                now=now - 27 * day,
            )

        # Transferred: fastgrid only ever had an empty 0.0.0; a squatted name moves without
        # the reachability period.
        case = ask(
            "fastgrid",
            alice,
            NameGround.SQUATTING,
            NameIntent.REPLACE,
            "fastgrid has held the name for three years with a single empty 0.0.0 release. I "
            "have a grid library ready to publish under it.",
            at=now - 40 * day,
        )
        if case is not None:
            move(
                case,
                "transfer",
                admin,
                "Name squatting: only an empty 0.0.0 in three years",
                now - 30 * day,
            )

        # Contacting the owners: bob has three quarters of the period left to answer.
        contacted = now - period / 4
        case = ask(
            "yamlish",
            alice,
            NameGround.ABANDONED,
            NameIntent.MAINTAIN,
            "yamlish has had no release for years and pull requests wait unanswered. I use it "
            "at work and will keep it working.",
            at=contacted - 2 * day,
        )
        if case is not None:
            move(case, "contact_owners", support, "Facts checked: no release in years", contacted)

        # Just submitted: waiting for support's triage.
        ask(
            "sleepy-parser",
            carol,
            NameGround.ABANDONED,
            NameIntent.REPLACE,
            "sleepy-parser has had no release for years and hardly any downloads. I would "
            "publish a new parser under the name, starting at 2.0.0.",
            at=now - 2 * day,
        )
        return added
