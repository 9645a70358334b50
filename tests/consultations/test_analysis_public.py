"""The public results page: only for consultations with results published; the approved responses
of people who agreed to publication, masked text only; charts suppressed; no sign-in."""

import pytest
from django.urls import reverse

from involve.consultations.models import Answer, Consultation, Question, Response

from .factories import make_consultation, make_question, make_response

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(cast):
    c = make_consultation(
        cast.org_a,
        title="Clinic results",
        state=Consultation.State.RESULTS_PUBLISHED,
        results_summary="You said parking was hard. We added 20 spaces.",
    )
    text = make_question(c, Question.Kind.FREE_TEXT, "Tell us more", code="more")
    choice = make_question(c, Question.Kind.SINGLE_CHOICE, "Do you drive?", code="drive")

    def add(original, masked, *, consent, state, answer="c1"):
        r = make_response(c, {text: original, choice: answer}, publish_consent=consent, moderation=state)
        Answer.objects.filter(response=r, question=text).update(masked_text=masked)
        return r

    approved = add("Dr Patel was kind", "[name] was kind", consent=True, state=Response.Moderation.APPROVED)
    add("Withheld words", "Withheld masked", consent=True, state=Response.Moderation.WITHHELD)
    add("Waiting words", "Waiting masked", consent=True, state=Response.Moderation.NOT_REVIEWED)
    # Approved but without consent (it cannot happen through the service): still never shown.
    add("No consent words", "No consent masked", consent=False, state=Response.Moderation.APPROVED)
    for _ in range(3):
        add("", "", consent=False, state=Response.Moderation.NOT_REVIEWED, answer="c2")
    return c, approved


def _url(c):
    return reverse("have_your_say:results", args=[c.organisation_id, c.slug])


def test_anyone_sees_the_results_without_signing_in(client, published):
    c, approved = published
    response = client.get(_url(c))
    assert response.status_code == 200
    html = response.content.decode()
    assert "You said parking was hard. We added 20 spaces." in html
    assert "[name] was kind" in html
    for hidden in ("Dr Patel", "Withheld", "Waiting", "No consent", approved.reference):
        assert hidden not in html, hidden
    # Charts with suppression: 4 said c1 (under 5) and 3 said c2, so both are hidden.
    assert "<svg" in html and "*<span" in html and "Do you drive?" in html


def test_only_consultations_with_results_published_have_a_results_page(client, cast, published):
    for state in (Consultation.State.DRAFT, Consultation.State.PUBLISHED, Consultation.State.CLOSED):
        c = make_consultation(cast.org_a, title=f"Not yet {state}", state=state)
        assert client.get(_url(c)).status_code == 404
    c, _ = published
    assert client.get(reverse("have_your_say:results", args=[cast.org_b.pk, c.slug])).status_code == 404


def test_the_published_responses_are_paginated(client, published):
    c, _ = published
    text = c.questions.get(code="more")
    for i in range(25):
        r = make_response(c, {text: f"original {i}"}, publish_consent=True, moderation=Response.Moderation.APPROVED)
        Answer.objects.filter(response=r).update(masked_text=f"masked {i}")
    html = client.get(_url(c)).content.decode()
    assert "Showing 1 to 20 of 26 published responses" in html
    assert "Showing 21 to 26" in client.get(_url(c), {"page": 2}).content.decode()
    assert "original" not in html


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_results_page_takes_the_same_number_of_queries_however_many_responses(client, published):
    c, _ = published
    text = c.questions.get(code="more")
    few = _queries(client, _url(c))
    for i in range(15):
        r = make_response(c, {text: f"x {i}"}, publish_consent=True, moderation=Response.Moderation.APPROVED)
        Answer.objects.filter(response=r).update(masked_text=f"masked {i}")
    assert _queries(client, _url(c)) == few
