"""Name reservations and API tokens in the admin."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from .. import services, tokens
from ..admin_base import (
    ReadOnlyTrackedAdmin,
    ReasonForm,
    ReasonOnlyForm,
    TrackedAdmin,
    confirmed_action,
)
from ..models import ApiToken, NameReservation, ReservationReason
from .common import HISTORY_COLUMNS, AdminPowersMixin, NormalizedNameSearchMixin, users_starting


class NameReservationForm(ReasonForm):
    """Reserve or prohibit a name. The form only reads; `services.reserve_name` writes."""

    class Meta:
        model = NameReservation
        fields = ["normalized_name", "reason", "until", "comment"]
        labels = {"normalized_name": "Name", "reason": "Grounds"}
        help_texts = {"normalized_name": "Any spelling: it is stored normalised."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [
            (value, ReservationReason(value).label) for value in services.names.ADMIN_GROUNDS
        ]

    def validate_unique(self):
        # The service takes over a lapsed reservation of the name and refuses one in force.
        pass

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                services.names.refuse_reservation(
                    name=data["normalized_name"],
                    grounds=data["reason"],
                    until=data.get("until"),
                    now=timezone.now(),
                )
            except services.RegistryError as error:
                raise forms.ValidationError(error.message) from None
        return data


@confirmed_action(
    description="End selected name reservations now",
    explanation="Anyone may register these names from now on (a removed project's name is "
    "then taken over by whoever registers it first).",
    permissions=["act"],
    submit_label="End the reservations",
)
def expire_reservations(modeladmin, request, reservation, data):
    services.expire_reservation(reservation=reservation, actor=request.user, reason=data["reason"])
    return f"The name {reservation} is free."


class AllowUserForm(ReasonOnlyForm):
    username = forms.CharField(
        label="Username", help_text="The account that may register the reserved names."
    )

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(f"There is no active account called {username!r}.")
        return user


@confirmed_action(
    description="Let a named user register selected reserved names",
    explanation="The reservation stays in force for everyone else.",
    permissions=["act"],
    form_class=AllowUserForm,
    submit_label="Allow",
)
def allow_user(modeladmin, request, reservation, data):
    services.allow_reserved_name(
        reservation=reservation, user=data["username"], actor=request.user, reason=data["reason"]
    )
    return f"{data['username']} may now register {reservation}."


@admin.register(NameReservation)
class NameReservationAdmin(AdminPowersMixin, NormalizedNameSearchMixin, TrackedAdmin):
    """Read-only reservations: they are added through `services.reserve_name` (the add form),
    and ended or opened to a user through the actions, each with a recorded reason."""

    list_display = ["normalized_name", "reason", "until", "created_at", "created_by"]
    list_filter = ["reason"]
    search_fields = ["normalized_name"]
    list_select_related = ["created_by"]
    history_list_display = HISTORY_COLUMNS
    actions = [expire_reservations, allow_user]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self.has_act_permission(request)

    def has_change_permission(self, request, obj=None):
        # Viewing stays possible through the view permission; changes go through the actions.
        return False

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = NameReservationForm
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            reservation = services.reserve_name(
                name=data["normalized_name"],
                grounds=data["reason"],
                until=data["until"],
                comment=data["comment"],
                actor=request.user,
                reason=data["change_reason"],
            )
        except services.RegistryError as error:
            # The form asked the same rules a moment ago: only a concurrent change gets here.
            raise PermissionDenied(error.message) from None
        # The admin's log entry and message name the row the service wrote.
        obj.pk, obj.normalized_name = reservation.pk, reservation.normalized_name


@confirmed_action(
    description="Revoke selected API tokens",
    explanation="Revoked tokens stop working at once and cannot be turned back on; their owners "
    "can create new ones.",
    permissions=["act"],
    submit_label="Revoke",
)
def revoke_tokens(modeladmin, request, token, data):
    tokens.revoke_token(token=token, actor=request.user, reason=data["reason"])
    return f"Revoked {token}."


@admin.register(ApiToken)
class ApiTokenAdmin(AdminPowersMixin, ReadOnlyTrackedAdmin):
    list_display = [
        "prefix",
        "user",
        "project",
        "description",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "prefix"]  # see get_search_results
    search_help_text = "A token's prefix, or the start of its owner's username (case matters)."
    list_select_related = ["user", "project"]
    exclude = ["key_hash"]
    history_list_display = HISTORY_COLUMNS
    actions = [revoke_tokens]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(Q(prefix=term) | Q(user__in=users_starting(term))), False
