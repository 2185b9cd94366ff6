"""Links to people's accounts only for those who may open them: anyone else reads the name."""

from django.contrib.auth import get_user_model


def may_view_users(request):
    opts = get_user_model()._meta
    return any(
        request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")
        for action in ("view", "change")
    )


class UserLinksMixin:
    """simple-history's "History rows" page links every actor to their account page, a bare
    403 for support staff: without the permission, it shows the name alone."""

    def history_view(self, request, object_id, extra_context=None):
        if not may_view_users(request):
            # An empty view name makes the template's `{% url ... as %}` empty: no link.
            extra_context = {**(extra_context or {}), "admin_user_view": ""}
        return super().history_view(request, object_id, extra_context)
