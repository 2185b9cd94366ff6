"""Ownership transfers in the admin: who got which project from whom, on whose decision, and the
action that restores the previous owners (undoes the transfer)."""

from django.contrib import admin
from django.db.models import Prefetch

from .. import services
from ..admin_base import ConfirmItem, ReadOnlyTrackedAdmin, confirmed_action
from ..models import OwnershipTransfer, Role, RoleName
from .common import HISTORY_COLUMNS, AdminPowersMixin, projects_starting

UNDO_EXPLANATION = (
    "The roles each transfer ended come back, the new owner gets back the role they held before "
    "(or loses theirs if they had none), and for a removed project whoever could register its "
    "name before may again. A transfer followed by a later one is refused: undo the later first."
)


def previous_holders(transfer, role=None):
    """The users whose roles `transfer` ended (of `role` only, if given), as text."""
    names = sorted(
        str(ended.user)
        for ended in transfer.ended_roles.all()
        if role is None or ended.role == role
    )
    return ", ".join(names)


def _describe_transfer(transfer):
    before = previous_holders(transfer) or "nobody"
    previous = transfer.get_new_owner_previous_role_display().lower() or "no role"
    return ConfirmItem(
        str(transfer),
        f"roles ended: {before}; {transfer.new_owner} had {previous} before; "
        f"reason: {transfer.reason}",
    )


@confirmed_action(
    description="Restore the previous owners (undo the transfer)",
    explanation=UNDO_EXPLANATION,
    permissions=["act"],
    submit_label="Restore the previous owners",
    describe=_describe_transfer,
)
def undo_transfers(modeladmin, request, transfer, data):
    services.undo_transfer(transfer=transfer, actor=request.user, reason=data["reason"])
    return f"Undone: {transfer.project} is back with its previous owners."


class UndoneListFilter(admin.SimpleListFilter):
    title = "undone"
    parameter_name = "undone"

    def lookups(self, request, model_admin):
        return [("no", "Standing"), ("yes", "Undone")]

    def queryset(self, request, queryset):
        if self.value() in ("no", "yes"):
            return queryset.filter(undone_at__isnull=self.value() == "no")
        return queryset


@admin.register(OwnershipTransfer)
class OwnershipTransferAdmin(AdminPowersMixin, ReadOnlyTrackedAdmin):
    list_display = [
        "__str__",
        "project",
        "new_owner",
        "previous_owners",
        "reference",
        "created_at",
        "undone",
    ]
    list_filter = [UndoneListFilter]
    list_select_related = ["project", "new_owner"]
    search_fields = ["project__normalized_name"]  # see get_search_results
    search_help_text = "The start of a project's name, in any spelling (Foo_Bar finds foo-bar)."
    history_list_display = HISTORY_COLUMNS
    actions = [undo_transfers]
    fields = [
        "project",
        "new_owner",
        "new_owner_previous_role",
        "previous_owners",
        "previous_maintainers",
        "reservation",
        "could_register_before",
        "reference",
        "created_at",
        "created_by",
        "reason",
        "undone_at",
        "undone_by",
        "undo_reason",
    ]
    readonly_fields = ["previous_owners", "previous_maintainers", "could_register_before"]

    def get_queryset(self, request):
        # One query for the ended roles of a whole page, whatever its number of rows.
        ended = Role.objects.select_related("user").order_by()
        return (
            super().get_queryset(request).prefetch_related(Prefetch("ended_roles", queryset=ended))
        )

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(project__in=projects_starting(term)), False

    @admin.display(description="previous owners")
    def previous_owners(self, transfer):
        return previous_holders(transfer, RoleName.OWNER) or "-"

    @admin.display(description="previous maintainers")
    def previous_maintainers(self, transfer):
        return previous_holders(transfer, RoleName.MAINTAINER) or "-"

    @admin.display(description="could register the name before")
    def could_register_before(self, transfer):
        if transfer.reservation_id is None:
            return "-"
        return ", ".join(sorted(str(user) for user in transfer.previous_allowed_users.all()))

    @admin.display(description="undone", boolean=True, ordering="undone_at")
    def undone(self, transfer):
        return transfer.is_undone
