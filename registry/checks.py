"""System checks: wrong policy or rate settings stop start-up; `check --deploy` wants staff 2FA."""

from django.core.checks import Error, Tags, Warning, register


@register("holdfast")
def check_deletion_policy(app_configs, **kwargs):
    from . import policy
    from .facts import policy_config

    try:
        policy_config()
    except policy.PolicyConfigError as error:
        return [
            Error(
                f"The deletion policy settings are wrong: {error}",
                hint="Fix HOLDFAST_POLICY or the HOLDFAST_POLICY_<PARAMETER> settings "
                f"(presets: {', '.join(sorted(policy.PRESETS))}).",
                id="holdfast.E001",
            )
        ]
    return []


RATE_SETTINGS = [
    "HOLDFAST_SIGN_IN_ACCOUNT_RATE",
    "HOLDFAST_SIGN_IN_ADDRESS_RATE",
    "HOLDFAST_TOKEN_ADDRESS_RATE",
]


@register("holdfast")
def check_rate_settings(app_configs, **kwargs):
    """A throttle rate that does not parse stops start-up, not the first sign-in."""
    from django.core.exceptions import ImproperlyConfigured

    from .throttle import rate_setting

    errors = []
    for name in RATE_SETTINGS:
        try:
            rate_setting(name)
        except ImproperlyConfigured as error:
            errors.append(Error(str(error), id="holdfast.E002"))
    return errors


@register("holdfast", Tags.security, deploy=True)
def check_staff_two_factor(app_configs, **kwargs):
    """In production, staff sign in with a second factor (`manage.py check --deploy`)."""
    from . import two_factor

    if two_factor.required():
        return []
    return [
        Warning(
            "Staff two-factor sign-in is off: a stolen staff password opens the admin.",
            hint="Set HOLDFAST_STAFF_2FA=true, and give each staff member an authenticator "
            "with `manage.py staff_totp USERNAME` (README, Production).",
            id="holdfast.W001",
        )
    ]
