from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The project page shows the open staged removal and the takedowns of a project to its
        # people, through the registry's hook (the registry never imports moderation).
        from registry.extensions import register_project_notices

        from .notices import project_notices

        register_project_notices(project_notices)
