"""The list filters of the moderation queues, and what "overdue" and "waiting" mean there."""

from datetime import timedelta

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from registry.admin_base import MAX_ID

from .. import workflow
from ..workflow import STAGED_OPEN, StagedState

# The change list opens on this view when no filter is given at all: the work a person can pick
# up, that is open requests nobody has taken yet and their own (a newcomer sees the queue).
DEFAULT_VIEW = {"open": "yes", "assignee": "me_or_nobody"}


def describe_duration(delta):
    """Say how long `delta` is, roughly: "25 min", "3 h", "2 d 4 h"."""
    minutes = max(int(delta.total_seconds() // 60), 1)
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def waiting_states(model):
    return workflow.NOT_STAFF_TURN[model.kind]


def overdue_q(model, now):
    """Open requests past their due date that wait for staff (not for the requester)."""
    condition = Q(closed_at__isnull=True, due_at__lt=now)
    if waiting_states(model):
        condition &= ~Q(state__in=sorted(waiting_states(model)))
    return condition


def is_overdue(case, now):
    return case.is_overdue(now) and case.state not in waiting_states(type(case))


# Filters ---------------------------------------------------------------------------------------


class OpenListFilter(admin.SimpleListFilter):
    title = "open or closed"
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", "Open"), ("no", "Closed"), ("any", "Open or closed")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(closed_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(closed_at__isnull=False)
        return queryset

    def choices(self, changelist):
        # No "All" link: a list without any filter opens on the default view, so "everything"
        # has a value of its own ("any"), selected too when another filter drops this one.
        all_choice, *choices = super().choices(changelist)
        for choice, (value, _label) in zip(choices, self.lookup_choices, strict=True):
            if value == "any" and all_choice["selected"]:
                choice["selected"] = True
            yield choice


class DuplicateListFilter(admin.SimpleListFilter):
    title = "possible duplicates"
    parameter_name = "duplicate"

    def lookups(self, request, model_admin):
        return [("yes", "May repeat an earlier request"), ("no", "Not flagged")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(possible_duplicate_of__isnull=False)
        if self.value() == "no":
            return queryset.filter(possible_duplicate_of__isnull=True)
        return queryset


class AssigneeListFilter(admin.SimpleListFilter):
    title = "assigned to"
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        username = get_user_model().USERNAME_FIELD
        staff = (
            get_user_model()
            .objects.filter(is_staff=True, is_active=True)
            .exclude(pk=request.user.pk)
            .order_by(username)
            .values_list("pk", username)
        )
        return [
            ("me_or_nobody", "Me or nobody"),
            ("me", "Me"),
            ("nobody", "Nobody"),
            *((str(pk), name) for pk, name in staff),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "me_or_nobody":
            return queryset.filter(Q(assignee=request.user) | Q(assignee__isnull=True))
        if value == "me":
            return queryset.filter(assignee=request.user)
        if value == "nobody":
            return queryset.filter(assignee__isnull=True)
        if value and value.isascii() and value.isdigit() and int(value) <= MAX_ID:
            return queryset.filter(assignee_id=int(value))
        return queryset  # not a person's number: ignored, as Django ignores unknown choices


class AgeListFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [("day", "Less than a day"), ("week", "1 to 7 days"), ("older", "Over 7 days")]

    def queryset(self, request, queryset):
        now = timezone.now()
        day, week = now - timedelta(days=1), now - timedelta(days=7)
        if self.value() == "day":
            return queryset.filter(created_at__gt=day)
        if self.value() == "week":
            return queryset.filter(created_at__lte=day, created_at__gt=week)
        if self.value() == "older":
            return queryset.filter(created_at__lte=week)
        return queryset


class DueListFilter(admin.SimpleListFilter):
    title = "due"
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue"), ("24h", "Due within 24 hours")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "overdue":
            return queryset.filter(overdue_q(queryset.model, now))
        if self.value() == "24h":
            return queryset.filter(
                closed_at__isnull=True, due_at__gte=now, due_at__lt=now + timedelta(hours=24)
            )
        return queryset


class StagedDueListFilter(admin.SimpleListFilter):
    title = "next step"
    parameter_name = "next"

    def lookups(self, request, model_admin):
        return [
            ("review", "Awaiting an admin's review"),
            ("week", "Moves in the next 7 days"),
            ("open", "All open"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "review":
            return queryset.filter(state=StagedState.AWAITING_REVIEW)
        if self.value() == "week":
            return queryset.filter(
                state__in=[StagedState.DEPRECATED, StagedState.PENDING_REMOVAL],
                next_step_at__lte=now + timedelta(days=7),
            )
        if self.value() == "open":
            return queryset.filter(state__in=sorted(STAGED_OPEN))
        return queryset
