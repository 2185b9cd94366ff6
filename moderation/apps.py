from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The project page shows the open staged removal and the takedowns of a project to its
        # people, through the registry's hook (the registry never imports moderation).
        from registry.extensions import register_project_notices, register_scale_seeder

        from .notices import project_notices
        from .scale import seed_requests

        register_project_notices(project_notices)
        # `manage.py seed_scale` fills the queues too, through the same kind of hook.
        register_scale_seeder(seed_requests)
