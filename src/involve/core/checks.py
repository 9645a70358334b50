"""Start-up warnings for production settings that were weakened on purpose.

Production refuses '*' in INVOLVE_ALLOWED_HOSTS and INVOLVE_REQUIRE_MFA=false (settings.py) unless the
deployment overrides the refusal; these warnings say so every time Involve checks its settings (`involve
serve` at start-up, `involve check --deploy`), so that the override is not forgotten.
"""

from django.conf import settings
from django.core.checks import Warning, register


@register("security")
def overridden_refusals(app_configs=None, **kwargs):
    if not settings.PRODUCTION:
        return []
    warnings = []
    if any("*" in host for host in settings.ALLOWED_HOSTS):
        warnings.append(
            Warning(
                "INVOLVE_ALLOWED_HOSTS answers any host name (INVOLVE_ALLOW_ANY_HOST=true).",
                hint="List Involve's host names: with '*', a forged Host header can change the links in emails.",
                id="involve.W001",
            )
        )
    if not settings.REQUIRE_MFA:
        warnings.append(
            Warning(
                "Two-factor authentication is not required (INVOLVE_REQUIRE_MFA=false, INVOLVE_ALLOW_NO_MFA=true).",
                hint="Personal data is behind a password alone; turn INVOLVE_REQUIRE_MFA back on.",
                id="involve.W002",
            )
        )
    return warnings
