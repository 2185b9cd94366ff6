"""Journey: a registry admin decides a PEP 541 name request whose owners did not answer. From the
queue they open the request, read the facts now and when filed, follow "Transfer the name", read
on the confirmation page what will change (the new owner, the role ended, the dependents' owners
told) with the impact, give the reason and transfer; the request then links its transfer."""

from django.contrib.auth.models import Group
from playwright.sync_api import expect

from moderation.models import NameRequest
from registry.models import OwnershipTransfer, Role, RoleName
from tests.browser.conftest import sign_in
from tests.moderation.test_admin_names import abandoned_project, contact, file_request, lapse


def test_an_admin_transfers_a_lapsed_name_request_after_reading_the_plan(page, person, shot):
    admin = person("ada", is_staff=True)
    admin.groups.add(Group.objects.get(name="Registry admins"))
    support = person("sam", is_staff=True)
    support.groups.add(Group.objects.get(name="Support staff"))
    project, [old_owner] = abandoned_project()
    case = lapse(contact(file_request(project, person("clara")), support))

    sign_in(page, "ada", next_url="/admin/moderation/namerequest/?open=any", admin=True)
    page.get_by_role("link", name=case.reference).click()
    expect(page.locator("#facts")).to_contain_text("uses-oldpad")
    shot(page, "the request with the facts now and when filed")

    page.get_by_role("link", name="Transfer the name").click()
    main = page.locator("#content")
    expect(main).to_contain_text("Make clara an owner of oldpad")
    expect(main).to_contain_text("End 1 role: kept in history, restorable from the transfer")
    expect(main).to_contain_text("1 other project depends on oldpad.")
    shot(page, "the transfer's plan and impact")

    page.get_by_label("Reason").fill(
        "The owner did not answer within six weeks; clara maintains the fork"
    )
    page.get_by_role("button", name="Transfer the name").click()
    expect(page.locator(".messagelist")).to_contain_text("Transferred the name")
    shot(page, "the name is transferred")

    case.refresh_from_db()
    transfer = OwnershipTransfer.objects.get(project=project)
    assert case.state == "transferred" and case.transfer == transfer
    assert Role.objects.get(project=project, user=old_owner).ended_at is not None
    assert Role.objects.active().get(project=project, role=RoleName.OWNER).user.username == "clara"
    assert NameRequest.objects.count() == 1
