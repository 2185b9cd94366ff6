"""Admin building blocks shared by the registry and moderation admins."""

from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from .admin_history import ReadableHistoryMixin
from .forms import PlainTextMixin
from .history import record
from .paginators import EstimatedCountPaginator
from .validators import text_problem

# The largest primary key a database holds (a signed 64-bit integer).
MAX_ID = 2**63 - 1


def is_row_id(model, value):
    """Whether `value` (as in a URL or a form) can be a primary key of `model`: the database's
    ValueError or overflow on any other would be a 500."""
    try:
        pk = model._meta.pk.to_python(unquote(value))
    except ValidationError:
        return False
    return not isinstance(pk, int) or abs(pk) <= MAX_ID


class RemovedListFilter(admin.SimpleListFilter):
    title = "removal"
    parameter_name = "removed"

    def lookups(self, request, model_admin):
        return [("no", "Live"), ("yes", "Removed")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(removed_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(removed_at__isnull=False)
        return queryset


class PlainQueryMixin:
    """Change lists refuse a query (filter, search, ordering, page) holding a control character.

    No filter value or search term holds one, and PostgreSQL refuses NUL in a query parameter:
    the list answers as Django's admin answers any invalid lookup (a redirect to the unfiltered
    list), with a message that says what was wrong.
    """

    def get_changelist_instance(self, request):
        for key, values in request.GET.lists():
            for value in (key, *values):
                problem = text_problem(value)
                if problem is not None:
                    self.message_user(
                        request,
                        f"The list's filter or search {key!r} {problem}, so it was ignored.",
                        messages.WARNING,
                    )
                    raise IncorrectLookupParameters(problem)
        return super().get_changelist_instance(request)


class ReadOnlyAdmin(PlainQueryMixin, admin.ModelAdmin):
    """Rows written only by the system (figures, the change journal, the outbox): read in the
    admin, never added, changed or deleted there."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_object(self, request, object_id, from_field=None):
        # An id the database cannot hold is a row that does not exist, not a 500.
        if from_field is None and not is_row_id(self.model, object_id):
            return None
        return super().get_object(request, object_id, from_field)


class ReasonForm(PlainTextMixin, forms.ModelForm):
    """A model form that asks why, so the history row of an admin edit carries a reason."""

    change_reason = forms.CharField(
        label="Reason for this change",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Recorded in the history with your name.",
    )


class TrackedAdmin(PlainQueryMixin, ReadableHistoryMixin, SimpleHistoryAdmin):
    """Base admin for tracked models: a readable history, no deletion, big-table friendly lists."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50

    def has_delete_permission(self, request, obj=None):
        return False

    def is_row_id(self, value):
        return is_row_id(self.model, value)

    def refuse_odd_ids(self, *ids):
        """404 for an id that is not a number: simple-history looks ids up as they come."""
        for value in ids:
            if not self.is_row_id(value):
                raise Http404(f"There is no {self.opts.verbose_name} numbered {value!r}.")

    def response_action(self, request, queryset):
        # Django filters the selection with the posted ids as they come.
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(self.is_row_id(value) for value in selected):
            self.message_user(
                request,
                "The selection holds something that is not a row's number, so nothing was "
                "done. Tick the rows in the list and choose the action again.",
                messages.WARNING,
            )
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)

    def history_view(self, request, object_id, extra_context=None):
        self.refuse_odd_ids(object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history's history form saves the old version back on POST (a revert) after
        # checking only the view permission; history is evidence, never a way to edit.
        if request.method != "GET":
            raise PermissionDenied("History can be read, not reverted.")
        self.refuse_odd_ids(object_id, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        record(obj, actor=request.user, reason=form.cleaned_data.get("change_reason", ""))
        super().save_model(request, obj, form, change)


class ReadOnlyTrackedAdmin(TrackedAdmin):
    """Rows that only registry services write: viewable here, changed through admin actions."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Viewing the change form stays possible through the view permission.
        return False


class ReasonOnlyForm(PlainTextMixin, forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Recorded in the history with your name, and shown to the people concerned.",
    )


@dataclass(frozen=True)
class ConfirmItem:
    label: str
    detail: str = ""


def confirm_page(
    modeladmin,
    request,
    *,
    title,
    description,
    objects,
    form,
    submit_label,
    queryset=(),
    action_name="",
    details="",
    assessments=None,
):
    """The page that asks "are you sure, and why?" before an admin action or button acts.

    With `action_name` it posts back to the change list as the action's second step; without,
    to its own URL. `details` is HTML shown under the list (what exactly will change);
    `assessments` (`registry.admin.impacts.Assessments`) what it would affect, target by target,
    and which owners' refusals it overrides.
    """
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "description": description,
        "objects": objects,
        "details": details,
        "assessments": assessments,
        "queryset": queryset,
        "form": form,
        "opts": modeladmin.model._meta,
        "action_name": action_name,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "submit_label": submit_label,
        "media": modeladmin.media,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, "admin/confirm_action.html", context)


def confirmed_action(
    *,
    description,
    explanation,
    permissions,
    form_class=ReasonOnlyForm,
    submit_label="Yes, do it",
    describe=None,
    batch=False,
    assess=None,
):
    """Turn `perform(modeladmin, request, target, data)` into a two-step admin action.

    Like Django's `delete_selected`: the first POST renders a confirmation page that lists the
    objects and asks for a reason (and whatever else `form_class` asks); the second POST
    (`post=yes`) calls `perform` for each object (or once with the queryset when `batch`).
    `assess(queryset, now=...)` says what the action would affect (shown on that page, and
    again when the form comes back with an error).
    A `RegistryError` becomes an error message for that object; the others still go through,
    each in its own transaction (the services are atomic).
    """

    def decorator(perform):
        def action(modeladmin, request, queryset):
            from .services import RegistryError

            confirmed = request.POST.get("post") == "yes"
            form = form_class(request.POST if confirmed else None)
            if confirmed and form.is_valid():
                targets = [queryset] if batch else list(queryset)
                done = 0
                for target in targets:
                    try:
                        with transaction.atomic():
                            message = perform(modeladmin, request, target, form.cleaned_data)
                    except RegistryError as error:
                        modeladmin.message_user(
                            request, f"{'' if batch else f'{target}: '}{error}", messages.ERROR
                        )
                    else:
                        done += 1
                        if message:
                            modeladmin.message_user(request, message, messages.SUCCESS)
                return None
            return confirm_page(
                modeladmin,
                request,
                title=description,
                description=explanation,
                objects=[describe(obj) if describe else ConfirmItem(str(obj)) for obj in queryset],
                form=form,
                submit_label=submit_label,
                queryset=queryset,
                action_name=perform.__name__,
                assessments=assess(queryset, now=timezone.now()) if assess else None,
            )

        action.__name__ = perform.__name__
        action.__doc__ = perform.__doc__
        return admin.action(description=description, permissions=permissions)(action)

    return decorator
