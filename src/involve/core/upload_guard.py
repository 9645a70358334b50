"""Refuse a request body from someone who is not signed in, before any of it is read.

CsrfViewMiddleware reads request.POST (to find the form's token) before LoginRequiredMiddleware turns
an anonymous request away, and reading a multipart body writes every file in it larger than
FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file. So without this, anyone could make Involve write
hundreds of megabytes to disk, and spend the time, before being sent to the sign-in page.

This middleware sits after SessionMiddleware and before CsrfViewMiddleware. For a request that
carries a body (any method but GET, HEAD, OPTIONS and TRACE) and comes from no signed-in session:
- to a page that needs sign-in: the same redirect to sign-in LoginRequiredMiddleware would give,
  given now, without the body being read;
- to a public page (sign-in, password reset, the two-factor step): allowed only when the body
  declares ANONYMOUS_BODY_MAX_BYTES or fewer. Those forms are a few short fields; a larger body
  is answered 403, again unread. A public view that takes longer text from the public (a survey's
  answers) declares its own limit with @anonymous_body_limit, still held in memory, never on disk.
Whether someone is signed in comes from the session alone (the cookie and the session store), never
from the body. Signed-in people's bodies are limited by UPLOAD_MAX_BYTES and the reverse proxy.
"""

from django.contrib.auth.middleware import LoginRequiredMiddleware, get_user
from django.http import HttpResponseForbidden
from django.urls import Resolver404, resolve

# The largest body a person who is not signed in may send. Sign-in and password forms are well
# under 2 KB; Django keeps up to FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) in memory, so nothing this
# size ever reaches the disk.
ANONYMOUS_BODY_MAX_BYTES = 64 * 1024

_NO_BODY_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def anonymous_body_limit(max_bytes: int):
    """Let a public view take bodies up to max_bytes from people who are not signed in. Keep it under
    FILE_UPLOAD_MAX_MEMORY_SIZE, so such a body is never written to disk."""

    def decorate(view):
        view.anonymous_body_max_bytes = max_bytes
        return view

    return decorate


def _declared_length(request) -> int:
    # Django reads no more than CONTENT_LENGTH, and nothing at all when it is missing or not a number.
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except (TypeError, ValueError):
        return 0


class AnonymousBodyGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._login_required = LoginRequiredMiddleware(get_response)

    def __call__(self, request):
        if request.method in _NO_BODY_METHODS or get_user(request).is_authenticated:
            # get_user caches the user on the request, so AuthenticationMiddleware does not look again.
            return self.get_response(request)
        try:
            view = resolve(request.path_info, getattr(request, "urlconf", None)).func
        except Resolver404:
            view = None
        if view is not None and getattr(view, "login_required", True):
            return self._login_required.handle_no_permission(request, view)
        if _declared_length(request) > getattr(view, "anonymous_body_max_bytes", ANONYMOUS_BODY_MAX_BYTES):
            return HttpResponseForbidden(
                "Sign in to Involve before sending files or long forms.", content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)
