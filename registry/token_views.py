"""The account page where maintainers create and revoke their upload tokens."""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import tokens
from .forms import PlainTextMixin
from .models import ApiToken, Project
from .services import RegistryError


class TokenForm(PlainTextMixin, forms.Form):
    description = forms.CharField(
        label="What is it for?",
        max_length=100,
        help_text="For example 'release workflow on CI'. Only you see it.",
    )
    project = forms.ModelChoiceField(
        label="Limit to one project",
        queryset=Project.objects.none(),
        required=False,
        empty_label="All my projects (and creating new ones)",
        help_text="A token limited to one project cannot upload anywhere else: safer for CI.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.live().filter(
            roles__user=user, roles__ended_at__isnull=True
        )


def upload_url():
    """The address twine uploads to: this site's public address and the legacy upload API."""
    site = getattr(settings, "HOLDFAST_SITE_URL", "").rstrip("/")
    return f"{site}{reverse('legacy-upload')}"


def _page(request, form, *, secret=None, created=None, status=200):
    user_tokens = ApiToken.objects.filter(user=request.user).select_related("project")
    return render(
        request,
        "registry/tokens.html",
        {
            "form": form,
            "tokens": user_tokens,
            "secret": secret,
            "created": created,
            "upload_url": upload_url(),
        },
        status=status,
    )


@login_required
def token_list(request):
    """List the person's tokens; a POST creates one and shows its secret once."""
    if request.method != "POST":
        return _page(request, TokenForm(user=request.user))
    form = TokenForm(request.POST, user=request.user)
    if not form.is_valid():
        return _page(request, form)
    try:
        token, secret = tokens.create_token(
            user=request.user,
            description=form.cleaned_data["description"],
            project=form.cleaned_data["project"],
        )
    except RegistryError as error:
        form.add_error(None, error.message)
        return _page(request, form, status=400)
    return _page(request, TokenForm(user=request.user), secret=secret, created=token)


@login_required
@require_POST
def token_revoke(request, pk):
    """Revoke one of the person's own tokens."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    tokens.revoke_token(token=token, actor=request.user)
    return redirect("registry:tokens")
