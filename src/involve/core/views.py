"""Pages with no domain: account settings, health check, accessibility statement, error pages."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


def account_settings(request):
    from allauth.mfa.models import Authenticator

    has_totp = Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists()
    return render(request, "core/account.html", {"has_totp": has_totp})


@login_not_required
@require_GET
def health(request):
    # For load balancers: answers 200 only when the database answers.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
def accessibility(request):
    return render(request, "core/accessibility.html")


def _error(template, status):
    def view(request, exception=None):
        return render(request, template, status=status)

    return view


bad_request = _error("errors/400.html", 400)
permission_denied = _error("errors/403.html", 403)
page_not_found = _error("errors/404.html", 404)


def csrf_failure(request, reason=""):
    """Django's CSRF refusal (settings.CSRF_FAILURE_VIEW), in words for people: most often cookies are
    blocked, and nothing they typed was sent."""
    return render(request, "errors/csrf.html", status=403)


def server_error(request):
    # Rendered without the request context: whatever broke must not break the error page too.
    from django.template.loader import render_to_string

    return HttpResponse(render_to_string("errors/500.html"), status=500)
