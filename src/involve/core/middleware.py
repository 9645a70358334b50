import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.messages import info
from django.shortcuts import redirect
from django.urls import reverse


class SessionTimeoutMiddleware:
    """Signs people out after SESSION_IDLE_SECONDS without a request, and after SESSION_COOKIE_AGE in all.

    Django has one session lifetime; the idle and absolute timeouts ASVS 7.3.1/7.3.2 ask for
    need the sign-in time and the last request time kept in the session.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            started = request.session.setdefault("involve_started", now)
            last_seen = request.session.get("involve_last_seen", now)
            if now - last_seen > settings.SESSION_IDLE_SECONDS or now - started > settings.SESSION_COOKIE_AGE:
                logout(request)
                info(request, "You were signed out because your session timed out. Sign in again to continue.")
                return redirect(f"{reverse('account_login')}?next={request.path}")
            request.session["involve_last_seen"] = now
        return self.get_response(request)


class RequireMFAMiddleware:
    """When REQUIRE_MFA is on, a signed-in person must set up an authenticator app before anything else."""

    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/health/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.REQUIRE_MFA
            and request.user.is_authenticated
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and not Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists()
        ):
            info(request, "Set up an authenticator app to finish signing in. Involve holds personal data, "
                          "so every account needs two-factor authentication.")
            return redirect("mfa_activate_totp")
        return self.get_response(request)
