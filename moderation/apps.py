from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The project page shows the open staged removal and the takedowns of a project to its
        # people, through the registry's hook (the registry never imports moderation).
        from registry.extensions import (
            register_new_project_listener,
            register_project_notices,
            register_scale_seeder,
        )

        from .notices import project_notices
        from .scale import seed_requests
        from .typosquat import on_new_project

        register_project_notices(project_notices)
        # `manage.py seed_scale` fills the queues too, through the same kind of hook.
        register_scale_seeder(seed_requests)
        # A new project named like a popular one is flagged to staff once its upload has
        # committed (the registry finds the names; moderation files the report).
        register_new_project_listener(on_new_project)
