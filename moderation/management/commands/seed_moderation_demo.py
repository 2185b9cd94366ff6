"""Fill the moderation queues of the demo registry (run after `seed_demo`; idempotent).

Every request is filed and moved through the same services the public forms, maintainers and
staff use, so the history and the registry changes are real. Emails go nowhere while seeding.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from moderation import services
from moderation.models import AbuseReport, DeletionException, LegalTakedown, StagedRemoval
from moderation.services import staged
from registry.models import Project

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


class Command(BaseCommand):
    help = "Fill the moderation queues with demo requests (idempotent; run after seed_demo)."

    def handle(self, *args, **options):
        if any(
            model.objects.exists()
            for model in (LegalTakedown, DeletionException, AbuseReport, StagedRemoval)
        ):
            self.stdout.write("Demo moderation requests already present; nothing to add.")
            return
        users = {user.username: user for user in get_user_model().objects.all()}
        if not {"admin", "support", "alice", "bob"} <= users.keys():
            raise CommandError("Run `manage.py seed_demo` first.")
        now = timezone.now()
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
            transaction.atomic(),
        ):
            self.seed(users, now)
        self.stdout.write(
            "Created demo moderation requests: 4 legal takedowns, 2 deletion exceptions, "
            "2 abuse reports, 2 staged removals. See /admin/moderation/."
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
