"""Trusted reporters in the admin: registry admins mark an account as one (with the
organisation it speaks for) and switch it off; support staff only view them."""

from django.contrib import admin

from registry.admin_base import ReasonForm, TrackedAdmin
from registry.facts import is_registry_admin

from ..models import TrustedReporter


class TrustedReporterForm(ReasonForm):
    class Meta:
        model = TrustedReporter
        fields = ["user", "organisation", "active", "note"]


@admin.register(TrustedReporter)
class TrustedReporterAdmin(TrackedAdmin):
    form = TrustedReporterForm
    list_display = ["organisation", "user", "active", "added_at", "added_by"]
    list_select_related = ["user", "added_by"]
    list_filter = ["active"]
    search_fields = ["organisation", "user__username", "user__email"]
    search_help_text = "An organisation, a username or an e-mail address."
    autocomplete_fields = ["user"]
    readonly_fields = ["added_at", "added_by"]
    history_list_display = ["organisation", "active"]

    def get_readonly_fields(self, request, obj=None):
        # The account a reporter speaks through is fixed once chosen: its reports point at it.
        if obj is not None:
            return [*self.readonly_fields, "user"]
        return self.readonly_fields

    def _admin(self, request):
        return is_registry_admin(request.user)

    def has_add_permission(self, request):
        # Whom to trust is the registry admins' decision, whatever a group's permissions say.
        return self._admin(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self._admin(request) and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.added_by = request.user
        super().save_model(request, obj, form, change)
