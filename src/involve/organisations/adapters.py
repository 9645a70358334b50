import datetime
import ipaddress
import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.core.internal import ratelimit
from allauth.core.internal.httpkit import clean_client_ip
from allauth.mfa import signals as mfa_signals
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base.forms import AuthenticateForm
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.functional import lazy


def _lockout_message() -> str:
    return (
        f"You have tried to sign in too many times. Wait {settings.LOGIN_LOCKOUT_MINUTES} minutes, then "
        "try again, or reset your password."
    )


ADDRESS_LIMITED = (
    "There have been too many failed sign-ins from your network in the last minute. Wait a minute, then try again."
)


def from_trusted_proxy(address: str) -> bool:
    """Whether a request's REMOTE_ADDR is one of the proxies in FORWARDED_ALLOW_IPS (addresses or
    networks, or '*'), the same list gunicorn is given. No address is a Unix socket, trusted as gunicorn does."""
    if not address or "*" in settings.FORWARDED_ALLOW_IPS:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for allowed in settings.FORWARDED_ALLOW_IPS:
        try:
            if ip in ipaddress.ip_network(allowed, strict=False):
                return True
        except ValueError:
            continue
    return False


def login_attempts_key(request, email: str) -> str:
    """The key allauth counts one account's failed sign-ins under (the address typed, in lower case)."""
    return DefaultAccountAdapter(request)._get_login_attempts_cache_key(request, email=email)


def account_locked(request, email: str) -> bool:
    """Whether the per-account limit on failed sign-ins (ACCOUNT_RATE_LIMITS login_failed …/key) is used
    up for this address, so that the right password would be refused now. Reads the counts, adds none."""
    key = login_attempts_key(request, email)
    for rate in ratelimit.get_rates(app="allauth.account", action="login_failed"):
        if rate.per != "key":
            continue
        cache_key = ratelimit.get_cache_key(request, app="allauth.account", action="login_failed", rate=rate, key=key)
        allowed, _ = ratelimit.apply_rate(list(cache.get(cache_key, [])), time.time(), rate, dry_run=True)
        if not allowed:
            return True
    return False


class InviteOnlyAccountAdapter(DefaultAccountAdapter):
    """Nobody signs themselves up: an organisation's administrator invites them."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # The same words for an unknown address as for a wrong password, so nobody can find out who has an account.
        "email_password_mismatch": "The email address or password is not right. Check them and try again.",
        # Lazy, so that the wait shown is the one configured when the page is shown.
        "too_many_login_attempts": lazy(_lockout_message, str)(),
        "enter_current_password": "Enter your current password.",
    }

    def is_open_for_signup(self, request):
        return False

    def get_client_ip(self, request):
        """The client's own address, for the per-address rate limits (settings.TRUSTED_PROXY_COUNT).

        Each proxy appends the address it was sent from to X-Forwarded-For, so the client's is
        TRUSTED_PROXY_COUNT from the end. The header is only believed on a request from one of our proxies
        (FORWARDED_ALLOW_IPS): a client reaching gunicorn directly could otherwise name a new address on
        every attempt and never be limited. (allauth's ALLAUTH_TRUSTED_PROXY_COUNT has no such check.)"""
        count = settings.TRUSTED_PROXY_COUNT
        forwarded = [a for a in request.headers.get("X-Forwarded-For", "").split(",") if a.strip()]
        if count and forwarded and from_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
            # Fewer addresses than proxies: the request came in past an outer proxy, and the first
            # address is the one our first proxy saw.
            address = clean_client_ip(forwarded[-count] if len(forwarded) >= count else forwarded[0])
            if address:
                return address
        return super().get_client_ip(request)

    def pre_authenticate(self, request, **credentials):
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            # A refused attempt is refused before the password is checked, so Django sends no
            # user_login_failed; send it here so that the audit log sees every refused sign-in, and
            # says whether the account is locked or only this network address has tried too often.
            email = credentials.get("email", "")
            locked = account_locked(request, email)
            user_login_failed.send(
                sender=__name__, credentials={"email": email}, request=request, refused=True, locked_out=locked
            )
            if not locked:
                # The per-address limit, not this account's: it clears within the minute.
                raise ValidationError(ADDRESS_LIMITED, code="too_many_login_attempts") from None
            raise

    def is_reauthentication_required(self, *, app, **kwargs):
        required = super().is_reauthentication_required(app=app, **kwargs)
        if required and app == "allauth.mfa" and self._setting_up_after_password():
            return False
        return required

    def _setting_up_after_password(self) -> bool:
        """Setting up two-factor authentication straight after signing in with the password.

        allauth only counts a reauthentication, not the sign-in itself, as recent proof of the password,
        so REQUIRE_MFA sent a person who had just typed it to type it again, to add an authenticator app,
        then again to see the recovery codes made with it. Within ACCOUNT_REAUTHENTICATION_TIMEOUT of a
        password sign-in, and while every authenticator is one added since, it is not asked again. Anyone
        who had an authenticator before signing in, or signed in longer ago, is still asked."""
        request = self.request
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        now = time.time()
        signed_in = [
            record["at"]
            for record in get_authentication_records(request, user)
            if record.get("method") == "password"
            and not record.get("reauthenticated")
            and now - record.get("at", 0) < account_settings.REAUTHENTICATION_TIMEOUT
        ]
        if not signed_in:
            return False
        since = datetime.datetime.fromtimestamp(max(signed_in), tz=datetime.UTC)
        return not Authenticator.objects.filter(user=user, created_at__lt=since).exists()


class InvolveMFAAdapter(DefaultMFAAdapter):
    """Two-factor errors in plain words, saying what to do next."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": "That code is not right. Enter the code your authenticator app shows now.",
    }


class InvolveAuthenticateForm(AuthenticateForm):
    """The two-factor code at sign-in (MFA_FORMS). A code refused because of too many wrong ones is
    refused before it is checked, so allauth sends no authentication_failed: send it, for the audit log."""

    def clean_code(self):
        try:
            return super().clean_code()
        except ValidationError as exc:
            if exc.code == "too_many_login_attempts":
                authenticator = Authenticator.objects.filter(user=self.user, type=Authenticator.Type.TOTP).first()
                mfa_signals.authentication_failed.send(
                    sender=Authenticator,
                    request=context.request,
                    user=self.user,
                    authenticator=authenticator,
                    reauthentication=False,
                    locked_out=True,
                )
            raise
