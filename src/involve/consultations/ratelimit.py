"""Rate limits on public submissions: per network address and per consultation, a count per minute in
the database every worker shares (core/ratelimit.py). Over a limit, the person is told kindly
and keeps their answers (views/public.py)."""

from django.conf import settings

from involve.core import ratelimit
from involve.organisations.adapters import InviteOnlyAccountAdapter


def client_ip(request) -> str:
    # The same reading of X-Forwarded-For as the sign-in limits (settings.TRUSTED_PROXY_COUNT).
    return InviteOnlyAccountAdapter(request).get_client_ip(request) or "unknown"


def _hit(key, limit, window=60) -> bool:
    return ratelimit.hit(f"hys-rate:{key}", limit, window)


def allow_submission(request, consultation) -> bool:
    """Whether one more submission may be taken now from this address, and for this consultation."""
    per_ip = settings.RESPONSE_RATE_PER_IP
    per_consultation = settings.RESPONSE_RATE_PER_CONSULTATION
    return _hit(f"ip:{client_ip(request)}", per_ip) and _hit(f"c:{consultation.pk}", per_consultation)


def allow_email(request) -> bool:
    """Resume-link emails from one address: a few a minute, so the page cannot be used to send mail."""
    return _hit(f"mail:{client_ip(request)}", settings.RESPONSE_EMAILS_PER_IP)


def allow_draft(request) -> bool:
    """Starting a saved draft (a row each) counts against the same per-address limit as sending."""
    return _hit(f"draft:{client_ip(request)}", settings.RESPONSE_RATE_PER_IP)
