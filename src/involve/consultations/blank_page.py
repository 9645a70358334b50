"""The blank first page of a survey, kept ready.

It is the same for every visitor who is not signed in but for three values: the CSRF token, the
signed form token and the CSP nonce. Drawing it costs tens of milliseconds (hundreds of NHS.UK macro
calls, most of them for the equality questions); a copy kept in each worker process, with those
three values put in fresh for every request, costs a fraction of one. The copy is keyed on everything
the page shows: the consultation, every question and section as stored, and the language, so an edit
is seen by the next visitor. Signed-in people and anyone with a message waiting get a fresh drawing.
"""

import hashlib
import re
import threading
from collections import OrderedDict

from django.http import HttpResponse
from django.middleware.csrf import get_token

_TOKENS = re.compile(r'(name="(csrfmiddlewaretoken|form_token)" value=")[^"]*(")')
_NONCE = re.compile(r'nonce="[^"]*"')
# Pages kept per process: a few hundred open surveys at most, each some tens of kilobytes.
MAX_PAGES = 200

_pages: OrderedDict = OrderedDict()
_lock = threading.Lock()


def _stored(instance):
    return tuple(getattr(instance, field.attname) for field in instance._meta.concrete_fields)


def page_key(consultation, survey, language):
    """Everything the blank first page is drawn from, as one short key."""
    parts = [_stored(consultation), language]
    parts += [_stored(question) for question in survey.questions]
    parts += [_stored(section) for section in survey.sections]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def can_use(request) -> bool:
    return not request.user.is_authenticated and "messages" not in request.COOKIES


def blank_first_page(request, key, draw, *, form_token):
    """The page `draw()` would answer, from the kept copy when there is one, with this request's tokens."""
    with _lock:
        html = _pages.get(key)
        if html is not None:
            _pages.move_to_end(key)
    if html is None:
        response = draw()
        if response.status_code != 200:
            return response
        html = response.content.decode()
        with _lock:
            _pages[key] = html
            while len(_pages) > MAX_PAGES:
                _pages.popitem(last=False)
    csrf = get_token(request)  # also sets the CSRF cookie on the way out, as drawing the page would
    fresh = {"csrfmiddlewaretoken": csrf, "form_token": form_token}
    html = _TOKENS.sub(lambda m: m.group(1) + fresh[m.group(2)] + m.group(3), html)
    html = _NONCE.sub(f'nonce="{request.csp_nonce}"', html)
    return HttpResponse(html)


def forget_all():
    """For tests."""
    with _lock:
        _pages.clear()
