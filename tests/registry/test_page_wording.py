"""What the maintainers' pages say: rules in words, a working way to ask an admin, plurals."""

from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from registry import services
from registry.policy.wording import RULE_WORDS, rule_in_words
from tests.factories import (
    DependencyFactory,
    DownloadCountFactory,
    ProjectFactory,
    ReleaseFactory,
)
from tests.registry.test_pages import DAY, build_project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_moderation_pages(settings):
    settings.HOLDFAST_EXCEPTION_REQUEST_URL_NAME = None
    settings.HOLDFAST_STAGED_REMOVAL_URL_NAME = None
    settings.HOLDFAST_MODERATION_EMAIL = "admins@registry.example"
    settings.HOLDFAST_SITE_URL = "https://registry.example"


@pytest.fixture
def project(owner):
    return build_project(owner, age=400 * DAY, files=2)


def page(client, user, name="project", **kwargs):
    client.force_login(user)
    response = client.get(reverse(f"registry:{name}", kwargs={"name": "demo-pkg", **kwargs}))
    return response.content.decode()


def test_every_rule_has_words_and_unknown_ones_read_plainly():
    assert all(words and "." not in words for words in RULE_WORDS.values())
    assert rule_in_words("lock.deletions-locked") == "the project's deletion lock"
    assert rule_in_words("future.some-new-rule") == "some new rule"


def test_a_refusal_names_its_rule_in_words_and_keeps_the_id_out_of_sentences(
    client, owner, project
):
    html = page(client, owner)
    # The project is 400 days old: proposal-2022 refuses to remove it.
    assert "Rule: A project may be removed only while young." in html
    assert '<code class="rule-id"' in html
    assert "Rule: proposal-2022" not in html


def test_an_admin_override_on_the_project_page_names_the_rule_in_words(
    client, registry_admin, project
):
    html = page(client, registry_admin)
    assert "Admin override of the policy: a registry admin overriding the rule for owners." in html
    assert "(rule admin.override)" not in html


def test_ask_an_admin_to_unlock_is_a_mailto_with_the_project_and_a_subject(client, owner, project):
    services.lock_deletions(project=project, actor=owner, reason="Stable API")
    html = page(client, owner)
    start = html.index('<a href="mailto:')
    href = html[start + len('<a href="') : html.index('"', start + len('<a href="'))]
    assert html[html.index(">", start) + 1 :].startswith("Ask an admin to unlock</a>")
    parts = urlsplit(href.replace("&amp;", "&"))
    assert parts.path == "admins@registry.example"
    query = parse_qs(parts.query)
    assert query["subject"] == ["Please lift the deletion lock of demo-pkg"]
    body = unquote(query["body"][0])
    assert "Project: demo-pkg" in body
    assert "https://registry.example/manage/demo-pkg/" in body
    assert "Your e-mail goes to admins@registry.example." in html


def test_dependents_read_as_a_sentence(client, owner, project):
    for index in range(8):
        dependent = ProjectFactory(name=f"user-{index}")
        DependencyFactory(release=ReleaseFactory(project=dependent), name="demo-pkg")
    html = page(client, owner)
    assert "8 other projects require demo-pkg in their latest release" in html
    assert "(s)" not in html


def test_downloads_are_formatted(client, owner, project):
    DownloadCountFactory(file=project.releases.get().files.first(), count=63000)
    DownloadCountFactory(
        file=project.releases.get().files.first(), day=timezone.now().date(), count=1095
    )
    assert "Downloads: 64,095 in total, 1,095 in the last 7 days." in page(client, owner)


def test_one_dependent_reads_in_the_singular(client, owner, project):
    DependencyFactory(release=ReleaseFactory(project=ProjectFactory(name="one")), name="demo-pkg")
    assert "1 other project requires demo-pkg in its latest release" in page(client, owner)


def test_removal_pages_count_in_words(client, registry_admin, project):
    html = page(client, registry_admin, "remove")
    assert "with its 1 live release and 2 files." in html
    html = page(client, registry_admin, "remove_release", version="1.0.0")
    assert "its 2 files off the index" in html
    assert "(s)" not in html
