"""The staff groups of the data migration hold exactly the registry permissions they should."""

import pytest
from django.contrib.auth.models import Group, Permission

pytestmark = pytest.mark.django_db

REGISTRY_MODELS = [
    "project",
    "role",
    "release",
    "file",
    "filenameregistry",
    "dependency",
    "downloadcount",
    "namereservation",
    "removalevent",
    "apitoken",
    "popularity",
    "change",
    "outboxmessage",
    "ownershiptransfer",
]

SUPPORT_STAFF = {
    "view_project",
    "view_role",
    "view_release",
    "view_file",
    "view_filenameregistry",
    "view_dependency",
    "view_downloadcount",
    "view_namereservation",
    "view_removalevent",
    "view_apitoken",
    "view_popularity",
    "view_change",
    "view_outboxmessage",
    "view_ownershiptransfer",
}

# Model-specific permissions declared in `Meta.permissions`; only registry admins hold them.
CUSTOM = {"act_as_registry_admin", "purge_file", "restore_removalevent"}

REGISTRY_ADMINS = (
    SUPPORT_STAFF
    | CUSTOM
    | {
        "add_project",
        "add_role",
        "add_release",
        "add_file",
        "add_filenameregistry",
        "add_dependency",
        "add_downloadcount",
        "add_namereservation",
        "add_removalevent",
        "add_apitoken",
        "add_popularity",
        "add_outboxmessage",
        "add_ownershiptransfer",
        "change_project",
        "change_role",
        "change_release",
        "change_file",
        "change_filenameregistry",
        "change_dependency",
        "change_downloadcount",
        "change_namereservation",
        "change_removalevent",
        "change_apitoken",
        "change_popularity",
        "change_outboxmessage",
        "change_ownershiptransfer",
    }
)


def registry_codenames(group_name):
    group = Group.objects.get(name=group_name)
    return set(
        group.permissions.filter(content_type__app_label="registry").values_list(
            "codename", flat=True
        )
    )


def test_support_staff_have_exactly_view_permissions_on_registry_models():
    assert registry_codenames("Support staff") == SUPPORT_STAFF


def test_registry_admins_have_exactly_add_change_view_and_custom_registry_permissions():
    assert registry_codenames("Registry admins") == REGISTRY_ADMINS


@pytest.mark.parametrize("group_name", ["Support staff", "Registry admins"])
def test_groups_hold_no_delete_or_history_permission_in_the_registry(group_name):
    permissions = Group.objects.get(name=group_name).permissions.filter(
        content_type__app_label="registry"
    )

    assert not permissions.filter(codename__startswith="delete_").exists()
    assert not permissions.filter(content_type__model__startswith="historical").exists()


def test_registry_models_have_no_delete_permission_at_all():
    assert not Permission.objects.filter(
        content_type__app_label="registry",
        content_type__model__in=REGISTRY_MODELS,
        codename__startswith="delete_",
    ).exists()


def test_registry_models_have_exactly_view_add_change_and_custom_permissions():
    codenames = set(
        Permission.objects.filter(
            content_type__app_label="registry", content_type__model__in=REGISTRY_MODELS
        ).values_list("codename", flat=True)
    )

    assert codenames == REGISTRY_ADMINS
