import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages import info
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers

SESSION_STARTED_KEY = "involve_started"
SESSION_LAST_SEEN_KEY = "involve_last_seen"
# The session's last-seen time is rewritten at most this often, instead of a session write (three
# queries) on every request. The exact time of the last request travels in a signed cookie instead.
LAST_SEEN_RESOLUTION_SECONDS = 60
LAST_SEEN_COOKIE = "involve_seen"


def last_seen_cookie_name() -> str:
    # __Host- like the session cookie in production: only over HTTPS, only to this host.
    return f"__Host-{LAST_SEEN_COOKIE}" if settings.SESSION_COOKIE_SECURE else LAST_SEEN_COOKIE


def _last_seen_salt(session_key) -> str:
    # Bound to the session, so that a fresh cookie from one session cannot revive another that has gone idle.
    return f"involve.last_seen:{session_key}"


def start_session_clock(request):
    """Called at sign-in, so that the absolute timeout counts from the sign-in itself."""
    now = int(time.time())
    request.session[SESSION_STARTED_KEY] = now
    request.session[SESSION_LAST_SEEN_KEY] = now


class SessionTimeoutMiddleware:
    """Signs people out after SESSION_IDLE_SECONDS without a request, and after SESSION_COOKIE_AGE in all.

    Django has one session lifetime; the idle and absolute timeouts ASVS 7.3.1/7.3.2 ask for
    need the sign-in time and the last request time kept in the session.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        seen = getattr(request, "involve_seen", None)
        if seen is not None and request.user.is_authenticated and request.session.session_key:
            response.set_signed_cookie(
                last_seen_cookie_name(),
                str(seen),
                salt=_last_seen_salt(request.session.session_key),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        # process_view rather than __call__: the messages framework, later in MIDDLEWARE, is only ready here.
        if not request.user.is_authenticated:
            return None
        now = int(time.time())
        # setdefault: a session from before these keys existed starts its clocks now.
        started = request.session.setdefault(SESSION_STARTED_KEY, now)
        stored = request.session.get(SESSION_LAST_SEEN_KEY, now)
        # The later of the session's time (up to a minute old) and the cookie's (exact); without the
        # cookie the session's time alone signs people out up to a minute early, never late.
        last_seen = max(stored, min(self._cookie_last_seen(request), now))
        if now - last_seen > settings.SESSION_IDLE_SECONDS or now - started > settings.SESSION_COOKIE_AGE:
            logout(request)
            info(request, "You were signed out because your session timed out. Sign in again to continue.")
            return self._sign_in_again(request)
        request.involve_seen = now
        if now - stored >= LAST_SEEN_RESOLUTION_SECONDS or SESSION_LAST_SEEN_KEY not in request.session:
            request.session[SESSION_LAST_SEEN_KEY] = now
        return None

    @staticmethod
    def _cookie_last_seen(request) -> int:
        value = request.get_signed_cookie(
            last_seen_cookie_name(), default=None, salt=_last_seen_salt(request.session.session_key)
        )
        try:
            return int(value)
        except (TypeError, ValueError):
            return 0

    @staticmethod
    def _sign_in_again(request):
        response = redirect_to_login(request.get_full_path())
        if request.headers.get("HX-Request"):
            # htmx would swap the sign-in page into the fragment it asked for: have it load the whole page.
            return HttpResponse(headers={"HX-Redirect": response.url})
        return response


class RequireMFAMiddleware:
    """When REQUIRE_MFA is on, a signed-in person must set up an authenticator app before anything else."""

    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/health/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # process_view, like SessionTimeoutMiddleware, so that a timed-out session is signed out first.
        if (
            settings.REQUIRE_MFA
            and request.user.is_authenticated
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and not Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists()
        ):
            info(
                request,
                "Set up an authenticator app to finish signing in. Involve holds personal data, "
                "so every account needs two-factor authentication.",
            )
            return redirect("mfa_activate_totp")
        return None


class PrivateNoStoreMiddleware:
    """Nothing shown to a signed-in person is kept by the browser or any cache between it and Involve:
    pages, exports and downloads carry personal data, and a shared computer's back button or cache
    would show them to the next person. Static files never reach here (WhiteNoise answers them first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # no-cache, no-store, must-revalidate, private, max-age=0 (and replaces any public).
            add_never_cache_headers(response)
        return response
