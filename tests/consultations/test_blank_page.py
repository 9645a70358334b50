"""The blank first page kept ready (blank_page.py): fresh tokens for every visitor, and an edit seen
by the next one."""

import re

import pytest
from django.urls import reverse

from involve.consultations.models import Consultation, Question, Response

from .factories import make_consultation, make_question

pytestmark = pytest.mark.django_db
TOKENS = re.compile(r'name="(csrfmiddlewaretoken|form_token)" value="([^"]+)"')
NONCE = re.compile(r'nonce="([^"]+)"')


@pytest.fixture
def survey(cast):
    consultation = make_consultation(cast.org_a, paging=Consultation.Paging.ALL, ask_equality=False)
    make_question(consultation, Question.Kind.SINGLE_CHOICE, "How did you travel?", required=True)
    return consultation


def _url(consultation):
    return reverse("have_your_say:respond", kwargs={"org": consultation.organisation_id, "slug": consultation.slug})


def test_every_visitor_gets_their_own_tokens_and_nonce(client, survey):
    from django.test import Client

    first, second = client.get(_url(survey)), Client().get(_url(survey))
    a, b = dict(TOKENS.findall(first.content.decode())), dict(TOKENS.findall(second.content.decode()))
    assert a.keys() == b.keys() == {"csrfmiddlewaretoken", "form_token"}
    assert a["form_token"] != b["form_token"] and a["csrfmiddlewaretoken"] != b["csrfmiddlewaretoken"]
    nonce = NONCE.findall(second.content.decode())
    assert nonce and set(nonce) == {str(second.wsgi_request.csp_nonce)}
    assert f"'nonce-{nonce[0]}'" in second["Content-Security-Policy"]
    # Apart from those, the page is the same one.
    strip = lambda r: NONCE.sub("", TOKENS.sub("", r.content.decode()))  # noqa: E731
    assert strip(first) == strip(second)


def test_a_kept_page_takes_a_response(client, survey):
    client.get(_url(survey))
    page = client.get(_url(survey)).content.decode()
    tokens = dict(TOKENS.findall(page))
    response = client.post(_url(survey), {"q_q1": "c1", **tokens})
    assert response.status_code == 302 and "confirm" in response["Location"]
    assert Response.objects.filter(consultation=survey).count() == 1


def test_an_edit_is_seen_by_the_next_visitor(client, survey):
    assert "How did you travel?" in client.get(_url(survey)).content.decode()
    Question.objects.filter(consultation=survey).update(text="How did you get here?")
    page = client.get(_url(survey)).content.decode()
    assert "How did you get here?" in page and "How did you travel?" not in page


def test_signed_in_people_get_a_fresh_drawing(client_for, cast, survey):
    from involve.consultations import blank_page

    client_for(cast.a_viewer).get(_url(survey))
    assert not blank_page._pages
