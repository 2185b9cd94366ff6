"""System checks: a wrong deletion-policy setting stops start-up with a clear message."""

from django.core.checks import Error, register


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
