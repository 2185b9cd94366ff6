"""Journey 6: an admin restores a removal of 35 files from its event page with one click and a
reason, then reads the project's history in the admin, its releases' and files' events included."""

from datetime import timedelta

from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from registry import services
from registry.models import File
from tests.browser.conftest import sign_in
from tests.factories import publish

ADMINS = "Registry admins"


def removal_of_35_files(owner, admin):
    """atomic-pad: five releases of seven wheels, one release yanked, then every file removed
    by an admin through the removal service, in one removal event."""
    then = timezone.now() - timedelta(days=40)
    project = services.create_project(
        name="atomic-pad", owner=owner, actor=owner, reason="New project", now=then
    )
    releases = [publish(project, f"1.{n}", actor=owner, now=then, files=7) for n in range(5)]
    services.yank_release(release=releases[-1], actor=owner, reason="Broken on Windows")
    files = list(File.objects.filter(release__project=project))
    return services.remove_files(
        files=files, actor=admin, reason="Reported as malware (false alarm)", category="admin"
    )


def test_an_admin_restores_35_files_and_reads_the_project_history(page, person, shot):
    owner = person("olive")
    admin = person("ada", is_staff=True)
    admin.groups.add(Group.objects.get(name=ADMINS))
    removal_of_35_files(owner, admin)

    sign_in(page, "ada", next_url="/admin/", admin=True)
    expect(page.get_by_role("link", name="Holdfast administration")).to_be_visible()
    shot(page, "the admin's home")

    page.get_by_role("link", name="Removal events").click()
    page.locator("#searchbar").fill("atomic-pad")
    page.get_by_role("button", name="Search").click()
    shot(page, "the removals of atomic-pad")

    page.get_by_role("link", name="files of atomic-pad removed").click()
    expect(page.get_by_text("35 files,")).to_be_visible()
    expect(page.get_by_role("cell", name="atomic_pad-1.0-1-py3-none-any.whl")).to_be_visible()
    expect(page.get_by_role("cell", name="removed", exact=True)).to_have_count(35)
    shot(page, "the event page lists what it took away")

    page.get_by_role("link", name="Restore what it took away").click()
    heading = page.get_by_role("heading", name="Restore the files of atomic-pad removed")
    expect(heading).to_be_visible()
    page.get_by_label("Reason").fill("A false alarm: the antivirus vendor withdrew its report")
    shot(page, "the confirmation asks for a reason")
    page.get_by_role("button", name="Restore").click()

    expect(page.get_by_text("Restored atomic-pad: 35 files.")).to_be_visible()
    expect(page.get_by_role("cell", name="live", exact=True)).to_have_count(35)
    expect(page.get_by_role("link", name="Restore what it took away")).to_have_count(0)
    shot(page, "the files are live again")

    page.get_by_role("link", name="atomic-pad", exact=True).click()
    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", name="History of atomic-pad")).to_be_visible()
    shot(page, "the project's history with its releases and files")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("olive yanked 1.4: Broken on Windows")
    expect(timeline).to_contain_text("ada removed 35 files: atomic_pad-1.0-1-py3-none-any.whl")
    expect(timeline).to_contain_text("ada restored 35 files:")
    expect(timeline).to_contain_text("olive uploaded 7 files: atomic_pad-1.4-1-py3-none-any.whl")
    expect(timeline).to_contain_text("olive created the project atomic-pad")
