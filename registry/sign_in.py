"""Signing in with a password: the maintainers' login page, the admin's, and their throttle.

Both pages count sign-in attempts in the cache (`registry.throttle`), per account
(HOLDFAST_SIGN_IN_ACCOUNT_RATE) and per client address (HOLDFAST_SIGN_IN_ADDRESS_RATE), in one
count for the two pages. An attempt counts when it is made, so a burst of parallel guesses cannot
slip past; one that succeeds is taken back (the account's count is cleared, the address's lowered
by one), so only failures add up. Over either limit the attempt is refused before the password
is looked at, the right password too, until the window ends: the page answers 429 with
Retry-After and says how long to wait and what to do instead.

With HOLDFAST_STAFF_2FA on, the admin's login also asks staff for a one-time code
(`two_factor`), and the maintainers' login sends staff accounts there.
"""

from django import forms
from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.urls import reverse

from . import throttle, two_factor


def limits(request, username):
    """The two allowances a sign-in as `username` from this request counts against."""
    account = throttle.rate_setting("HOLDFAST_SIGN_IN_ACCOUNT_RATE")
    address = throttle.rate_setting("HOLDFAST_SIGN_IN_ADDRESS_RATE")
    return (
        throttle.Limit("sign-in:account", username, account),
        throttle.Limit("sign-in:address", throttle.client_address(request), address),
    )


def refusal(over, *, by_account):
    contact = getattr(settings, "HOLDFAST_MODERATION_EMAIL", settings.DEFAULT_FROM_EMAIL)
    who = "for this account" if by_account else "from your address"
    return (
        f"Too many failed sign-ins {who} (the limit is "
        f"{over.rate.describe('failed sign-in')}), so sign-in is paused, even with the right "
        f"password. Try again in {over.wait()} (after {over.until:%H:%M} UTC). Forgotten your "
        f"password? Write to {contact} instead of guessing."
    )


class SignInThrottle:
    """Count the sign-ins of an AuthenticationForm; refuse them over the limit (see above).

    After a refused attempt, `throttled` holds the Throttled that refused it.
    """

    throttled = None

    def clean(self):
        username = self.cleaned_data.get("username")
        if not (username and self.cleaned_data.get("password")):
            return super().clean()
        now = throttle.clock()
        account, address = limits(self.request, username)
        over = [
            (throttled, limit is account)
            for limit in (account, address)
            if (throttled := throttle.hit(limit, now=now)) is not None
        ]
        if over:
            self.throttled, by_account = max(over, key=lambda pair: pair[0].retry_after)
            raise ValidationError(refusal(self.throttled, by_account=by_account), "throttled")
        cleaned = super().clean()
        throttle.clear(account, now=now)
        throttle.take_back(address, now=now)
        return cleaned


def answer_throttled(response):
    """Give a login page that refused a throttled attempt its 429 and Retry-After."""
    form = (getattr(response, "context_data", None) or {}).get("form")
    throttled = getattr(form, "throttled", None)
    if throttled is not None:
        response.status_code = 429
        response["Retry-After"] = str(throttled.retry_after)
    return response


class SignInForm(SignInThrottle, AuthenticationForm):
    """The maintainers' login: password only; staff go to the admin's when 2FA is on."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if two_factor.required_for(user):
            raise ValidationError(
                "Staff accounts sign in with a one-time code on the admin's login page, "
                f"{reverse('admin:login')}; you are then signed in here too.",
                code="staff_two_factor",
            )


class LoginView(auth_views.LoginView):
    form_class = SignInForm

    def form_invalid(self, form):
        return answer_throttled(super().form_invalid(form))


class AdminSignInForm(SignInThrottle, AdminAuthenticationForm):
    """The admin's login: password, then a one-time code for staff when 2FA is on."""

    otp_token = forms.CharField(
        label="One-time code",
        required=False,
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
        help_text="The 6-digit code your authenticator app shows for Holdfast.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not two_factor.required():
            del self.fields["otp_token"]

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)  # active staff only
        if two_factor.required_for(user):
            # django-otp marks the session verified when the user logs in with `otp_device`.
            user.otp_device = two_factor.verify(user, self.cleaned_data.get("otp_token"))


class HoldfastAdminSite(AdminSite):
    """The admin, with the throttled login and, when HOLDFAST_STAFF_2FA, verified staff only."""

    site_header = "Holdfast administration"
    site_title = "Holdfast admin"
    index_title = "Registry and moderation"
    site_url = "/"
    login_form = AdminSignInForm
    login_template = "admin/holdfast_login.html"

    def has_permission(self, request):
        user = request.user
        return super().has_permission(request) and (
            two_factor.is_verified(user) or not two_factor.required_for(user)
        )

    def login(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "two_factor": two_factor.required()}
        return answer_throttled(super().login(request, extra_context))

    def get_urls(self):
        # Imported here: the page's module imports models, which load after this site.
        from .admin.policy_report import urls as policy_report_urls

        return [*policy_report_urls(self), *super().get_urls()]
