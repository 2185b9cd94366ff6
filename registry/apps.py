from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = "Registry"
    default_auto_field = "django.db.models.BigAutoField"
    default = True

    def ready(self):
        from . import (
            checks,  # noqa: F401  (registers the system checks)
            converters,  # noqa: F401  (registers the `text` path converter)
        )


class HoldfastAdminConfig(admin_apps.AdminConfig):
    """Django's admin, whose default site throttles sign-in and asks staff for a second factor."""

    default = False
    default_site = "registry.sign_in.HoldfastAdminSite"
