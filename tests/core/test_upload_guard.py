"""The anonymous body guard (core/upload_guard.py): a request body from someone not signed in is refused
before a byte of it is read, while the public forms (sign-in, password reset) keep working.

The bodies here are never built in memory: wsgi.input is a stream that makes a real multipart body
as it is read and counts what was read, so "nothing was read" is measured, not assumed.
"""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.test import Client
from django.urls import reverse

from involve.core import upload_guard
from involve.engagement.models import Evidence

from ..engagement.factories import make_decision
from ..factories import PASSWORD
from .test_uploads import minimal_pdf

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
BOUNDARY = "guardboundary"
LOGIN = reverse("account_login")
RESET = reverse("account_reset_password")
STARTED = []  # files the upload handlers were asked to receive, by name


class RecordingUploadHandler(FileUploadHandler):
    """Stands in for Django's handlers: records every file it is given, keeps nothing."""

    def new_file(self, field_name, file_name, *args, **kwargs):
        STARTED.append(file_name)
        super().new_file(field_name, file_name, *args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        return None

    def file_complete(self, file_size):
        return None


class MultipartStream:
    """wsgi.input for a multipart body of `size` bytes holding one file, made as it is read."""

    def __init__(self, size: int, csrf_token: str = ""):
        field = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{csrf_token}\r\n'
            if csrf_token
            else ""
        )
        self.head = (
            field + f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.size = size
        self.read_bytes = 0

    def read(self, n=-1):
        start = self.read_bytes
        end = self.size if n is None or n < 0 else min(self.size, start + n)
        body_end = self.size - len(self.tail)
        out, pos = bytearray(), start
        while pos < end:
            if pos < len(self.head):
                out += self.head[pos : min(end, len(self.head))]
            elif pos < body_end:
                out += b"a" * (min(end, body_end) - pos)
            else:
                out += self.tail[pos - body_end : end - body_end]
            pos = start + len(out)
        self.read_bytes = end
        return bytes(out)

    def readline(self, *args):
        return self.read(*args)


def _post_stream(client, path, stream, content_type=f"multipart/form-data; boundary={BOUNDARY}"):
    return client.generic(
        "POST", path, b"", **{"wsgi.input": stream, "CONTENT_LENGTH": str(stream.size), "CONTENT_TYPE": content_type}
    )


def browser():
    # CSRF checks on, as in a browser: without the guard, the CSRF middleware reads the body for the token.
    client = Client(enforce_csrf_checks=True)
    client.get(LOGIN)
    return client


@pytest.fixture
def guarded(settings):
    settings.FILE_UPLOAD_HANDLERS = ["tests.core.test_upload_guard.RecordingUploadHandler"]
    STARTED.clear()
    return browser()


def test_an_anonymous_200_mb_upload_is_redirected_to_sign_in_unread(guarded, cast):
    decision = make_decision(cast.org_a)
    url = reverse("engagement:evidence_add_file_decision", args=[decision.pk])
    stream = MultipartStream(200 * MB, csrf_token=guarded.cookies["csrftoken"].value)
    response = _post_stream(guarded, url, stream)
    assert response.status_code == 302 and response["Location"].startswith(f"{LOGIN}?next=")
    assert stream.read_bytes == 0 and STARTED == []
    assert not Evidence.objects.filter(decision=decision).exists()


def test_a_large_anonymous_body_to_a_public_page_is_refused_unread(guarded):
    for path in (LOGIN, RESET):
        stream = MultipartStream(200 * MB, csrf_token=guarded.cookies["csrftoken"].value)
        response = _post_stream(guarded, path, stream)
        assert response.status_code == 403 and "Sign in" in response.content.decode()
        assert stream.read_bytes == 0 and STARTED == []
    # Whatever the body claims to be.
    stream = MultipartStream(upload_guard.ANONYMOUS_BODY_MAX_BYTES + 1)
    response = _post_stream(guarded, LOGIN, stream, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 403 and stream.read_bytes == 0


def test_the_guard_is_what_stops_the_read(guarded, settings, cast):
    # Without the guard the same request is read in full before the sign-in redirect: the test above
    # measures the guard, not something else in the way.
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("AnonymousBodyGuardMiddleware")]
    guarded = browser()  # a client builds its middleware once, at its first request
    url = reverse("engagement:evidence_add_file_decision", args=[make_decision(cast.org_a).pk])
    stream = MultipartStream(4 * MB, csrf_token=guarded.cookies["csrftoken"].value)
    response = _post_stream(guarded, url, stream)
    assert response.status_code == 302
    assert stream.read_bytes == 4 * MB and STARTED == ["big.pdf"]


def test_signing_in_still_works_with_csrf_checks_on(cast):
    client = Client(enforce_csrf_checks=True)
    page = client.get(LOGIN)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    response = client.post(LOGIN, {"csrfmiddlewaretoken": token, "login": cast.a_viewer.email, "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_public_forms_sent_as_multipart_still_work(cast):
    # Django's test client, and a browser form with enctype="multipart/form-data", send small multipart bodies.
    client = Client()
    assert client.post(RESET, {"email": cast.a_viewer.email}).status_code == 302
    assert client.post(LOGIN, {"login": cast.a_viewer.email, "password": PASSWORD}).status_code == 302
    assert "_auth_user_id" in client.session


def test_a_signed_in_upload_reaches_the_view(cast, client_for, settings):
    decision = make_decision(cast.org_a)
    response = client_for(cast.a_engagement_lead).post(
        reverse("engagement:evidence_add_file_decision", args=[decision.pk]),
        {
            "title": "Signed-in upload",
            "dated-day": "1",
            "dated-month": "2",
            "dated-year": "2025",
            "file": SimpleUploadedFile("report.pdf", minimal_pdf()),
        },
    )
    assert response.status_code == 302
    assert Evidence.objects.filter(title="Signed-in upload").exists()


def test_a_session_that_is_not_signed_in_counts_as_anonymous(cast):
    # Any session at all (someone halfway through signing in, say) is not enough: it must be signed in.
    client = Client()
    session = client.session
    session["something"] = "not a sign-in"
    session.save()
    url = reverse("engagement:evidence_add_file_decision", args=[make_decision(cast.org_a).pk])
    stream = MultipartStream(10 * MB)
    response = _post_stream(client, url, stream)
    assert response.status_code == 302 and stream.read_bytes == 0
