"""The pages where owners manage who owns and maintains a project, and maintainers leave it."""

from django.http import Http404
from django.urls import reverse

from .. import policy, services
from ..forms import AddRoleForm
from ..models import Role, RoleName
from ..policy import Action
from .actions import ActionView


class RolesView(ActionView):
    """Who owns and maintains the project; owners add people or change their role here."""

    url_name = "roles"
    action = Action.MANAGE_ROLES
    form_class = AddRoleForm
    title = "Owners and maintainers"
    submit_label = "Add or change the role"
    template_name = "registry/roles.html"

    def describe(self):
        roles = list(
            Role.objects.active()
            .filter(project=self.project)
            .select_related("user")
            .order_by("role", "user__username")
        )
        owners = sum(1 for role in roles if role.role == RoleName.OWNER)
        manage = self.get_decision().allowed
        rows = []
        for role in roles:
            mine = role.user_id == self.request.user.pk
            last_owner = role.role == RoleName.OWNER and owners == 1
            leaving = mine and role.role == RoleName.MAINTAINER
            rows.append(
                {
                    "role": role,
                    "last_owner": last_owner,
                    "remove_url": self.url("remove_role", username=role.user.get_username())
                    if (manage or leaving) and not last_owner
                    else None,
                    "mine": mine,
                }
            )
        return {"roles": rows}

    def perform(self, form):
        user = form.cleaned_data["username"]
        role = form.cleaned_data["role"]
        services.add_role(
            project=self.project,
            user=user,
            role=role,
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
            now=self.now,
        )
        return f"{user} is now {RoleName(role).label.lower()} of {self.project.name}."

    def success_url(self):
        return self.url("roles")


class RemoveRoleView(ActionView):
    url_name = "remove_role"
    action = Action.MANAGE_ROLES
    title = "Remove a role"
    submit_label = "Remove the role"
    danger = True

    def dispatch(self, request, *args, **kwargs):
        self.username = kwargs.get("username", "")
        return super().dispatch(request, *args, **kwargs)

    def get_project(self, name):
        project = super().get_project(name)
        roles = list(Role.objects.active().filter(project=project).select_related("user"))
        self.target = next((r for r in roles if r.user.get_username() == self.username), None)
        if self.target is None:
            raise Http404("This person has no role on the project.")
        self.owner_count = sum(1 for r in roles if r.role == RoleName.OWNER)
        return project

    @property
    def leaving(self):
        """Maintainers may leave a project themselves; the service allows it whatever else."""
        return (
            self.target.user_id == self.request.user.pk and self.target.role == RoleName.MAINTAINER
        )

    def get_decision(self):
        if self.leaving:
            return policy.Decision(
                allowed=True,
                rule="",
                explanation="Maintainers may leave a project at any time.",
            )
        return super().get_decision()

    def notice(self):
        target = self.target
        if target.role == RoleName.OWNER and self.owner_count == 1:
            return (
                f"{target.user} is the only owner of {self.project.name}, and a project always "
                f"needs an owner. Add another owner first; then {target.user} can leave."
            )
        return None

    def describe(self):
        target = self.target
        return {
            "lead": [
                f"{target.user} will no longer be {target.get_role_display().lower()} of "
                f"{self.project.name}. They can be added again later."
            ]
        }

    def perform(self, form):
        services.remove_role(
            project=self.project,
            user=self.target.user,
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
            now=self.now,
        )
        return f"{self.target.user} no longer has a role on {self.project.name}."

    def success_url(self):
        if self.leaving:
            return reverse("registry:projects")
        return self.url("roles")
