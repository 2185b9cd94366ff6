"""Real clients against a live Holdfast: twine uploads, pip installs, and every decision shows.

Each test starts from an empty registry on pytest-django's live server, uploads with twine
(as a maintainer would), changes state through the registry services (as the maintainer pages
and the admin do), and asks pip what it can install.
"""

import pytest

from registry import services
from registry.distributions import build_sdist, build_wheel
from registry.models import Project, Release
from tests.e2e.clients import assert_ok

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_twine_uploads_a_wheel_and_an_sdist_and_pip_installs_the_newest(upload, install):
    assert_ok(upload(build_sdist("e2e-pkg", "1.0"), build_wheel("e2e-pkg", "1.0")))
    assert_ok(upload(build_wheel("e2e-pkg", "1.1")))

    assert sorted(Release.objects.values_list("version", flat=True)) == ["1.0", "1.1"]
    result, versions = install("e2e-pkg")
    assert_ok(result)
    assert versions == ["1.1"]


def test_pip_skips_a_yanked_version_unless_it_is_pinned(upload, install, maintainer):
    assert_ok(upload(build_wheel("yanky", "1.0"), build_wheel("yanky", "2.0")))
    services.yank_release(
        release=Release.objects.get(version="2.0"), actor=maintainer, reason="broken import"
    )

    result, versions = install("yanky")
    assert_ok(result)
    assert versions == ["1.0"]

    pinned, versions = install("yanky==2.0")
    assert_ok(pinned)
    assert versions == ["2.0"]
    assert "broken import" in pinned.stdout + pinned.stderr


def test_a_second_upload_of_the_same_file_is_refused_with_a_clear_message(upload):
    wheel = build_wheel("dupe", "1.0")
    assert_ok(upload(wheel))

    again = upload(wheel)

    assert again.returncode != 0
    assert "File already exists" in again.stdout + again.stderr


def test_an_archived_project_installs_and_refuses_uploads_with_the_reason(
    upload, install, maintainer
):
    assert_ok(upload(build_wheel("old-tool", "1.0")))
    services.archive_project(
        project=Project.objects.get(), actor=maintainer, reason="No longer maintained"
    )

    result, versions = install("old-tool")
    assert_ok(result)
    assert versions == ["1.0"]

    refused = upload(build_wheel("old-tool", "1.1"))
    assert refused.returncode != 0
    assert "old-tool is archived" in refused.stdout + refused.stderr


def test_a_quarantined_project_does_not_install(upload, install, registry_admin):
    assert_ok(upload(build_wheel("evil", "1.0")))
    services.quarantine_project(
        project=Project.objects.get(), actor=registry_admin, reason="Malware"
    )

    result, versions = install("evil")

    assert result.returncode != 0
    assert versions == []


def test_a_project_pending_removal_installs_only_from_the_opt_in_index(
    upload, install, registry_admin
):
    assert_ok(upload(build_wheel("leaving", "1.0")))
    services.mark_pending_removal(
        project=Project.objects.get(), actor=registry_admin, reason="Staged removal"
    )

    refused, versions = install("leaving")
    assert refused.returncode != 0
    assert versions == []

    result, versions = install("leaving", pending=True)
    assert_ok(result)
    assert versions == ["1.0"]


def test_a_removed_project_does_not_install_and_its_filename_is_burned(upload, install, maintainer):
    wheel = build_wheel("short-lived", "1.0")
    assert_ok(upload(wheel))
    services.remove_project(project=Project.objects.get(), actor=maintainer, reason="Mistake")

    result, versions = install("short-lived")
    assert result.returncode != 0
    assert versions == []

    again = upload(wheel)
    assert again.returncode != 0
    assert "can never be reused" in again.stdout + again.stderr
