import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages import info
from django.http import HttpResponse
from django.shortcuts import redirect

SESSION_STARTED_KEY = "involve_started"
SESSION_LAST_SEEN_KEY = "involve_last_seen"
# The last-seen time is rewritten at most this often: a minute's precision on a 30-minute idle timeout,
# instead of a session write (three queries) on every request.
LAST_SEEN_RESOLUTION_SECONDS = 60


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
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # process_view rather than __call__: the messages framework, later in MIDDLEWARE, is only ready here.
        if not request.user.is_authenticated:
            return None
        now = int(time.time())
        # setdefault: a session from before these keys existed starts its clocks now.
        started = request.session.setdefault(SESSION_STARTED_KEY, now)
        last_seen = request.session.get(SESSION_LAST_SEEN_KEY, now)
        if now - last_seen > settings.SESSION_IDLE_SECONDS or now - started > settings.SESSION_COOKIE_AGE:
            logout(request)
            info(request, "You were signed out because your session timed out. Sign in again to continue.")
            return self._sign_in_again(request)
        if now - last_seen >= LAST_SEEN_RESOLUTION_SECONDS or SESSION_LAST_SEEN_KEY not in request.session:
            request.session[SESSION_LAST_SEEN_KEY] = now
        return None

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
