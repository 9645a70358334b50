"""The review queue and corrections: least certain first, filters, the comment's review form (round
trip, accept, reject, add, sentiment, reviewed), the check that two reviewers never overwrite each
other, the audit of every change, escaping, and which text whom sees."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from involve.audit.models import AuditEvent
from involve.insight import services
from involve.insight.models import Comment, Label

from .factories import make_comment, make_label, theme

pytestmark = pytest.mark.django_db


def _queue(client, **params):
    response = client.get(reverse("insight:review_queue"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_least_certain_first_and_never_classified_last(cast, client_for):
    org = cast.org_a
    sure = make_comment(org, text="Sure one", masked_text="Sure one", certainty=0.9)
    unsure = make_comment(org, text="Unsure one", masked_text="Unsure one", certainty=0.1)
    middle = make_comment(org, text="Middle one", masked_text="Middle one", certainty=0.5)
    waiting = make_comment(org, text="Waiting one", masked_text="Waiting one")
    make_comment(org, text="Done one", masked_text="Done one", certainty=0.0, review=Comment.Review.REVIEWED)
    make_comment(cast.org_b, text="Other org", masked_text="Other org", certainty=0.0)
    html = _queue(client_for(cast.a_viewer))
    order = [html.index(f"Comment {c.pk}<") for c in (unsure, middle, sure, waiting)]
    assert order == sorted(order)
    assert "Done one" not in html and "Other org" not in html
    assert "Done one" in _queue(client_for(cast.a_viewer), state="reviewed")


def test_filters(cast, client_for):
    org = cast.org_a
    old = make_comment(org, text="Old parking", received_at=timezone.now() - datetime.timedelta(days=40))
    make_label(old, "Parking")
    new = make_comment(org, text="New staff comment", sentiment3="negative")
    make_label(new, "Staff manner & personal attributes")
    client = client_for(cast.a_viewer)
    parking = theme("Parking")
    assert "Old parking" in _queue(client, theme=parking.pk) and "New staff" not in _queue(client, theme=parking.pk)
    assert "New staff" in _queue(client, sentiment="negative") and "Old parking" not in _queue(
        client, sentiment="negative"
    )
    since = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    assert "Old parking" not in _queue(client, received_from=since)
    assert "Old parking" in _queue(client, q="parking") and "New staff" not in _queue(client, q="parking")
    assert "Old parking" in _queue(client, received_from="not a date")  # a bad filter shows everything


def _form_data(client, comment, **changes):
    from ..project.test_forms import as_submitted, main_form

    html = client.get(reverse("insight:comment", args=[comment.pk])).content.decode()
    return {**as_submitted(main_form(html)), **changes}


def _state():
    return (
        list(Comment.objects.order_by("pk").values()),
        list(Label.objects.order_by("pk").values()),
        AuditEvent.objects.filter(action="comment.review").count(),
    )


@pytest.fixture
def coded(cast):
    services.load_framework()
    comment = make_comment(cast.org_a, text="The car park is full", sentiment3="negative", sentiment5=4, certainty=0.3)
    return comment, make_label(comment, "Parking"), make_label(comment, "Feeling safe", probability=0.2)


def test_saving_the_form_unchanged_changes_nothing(cast, client_for, coded):
    comment, *_ = coded
    client = client_for(cast.a_contributor)
    before = _state()
    response = client.post(reverse("insight:comment", args=[comment.pk]), _form_data(client, comment))
    assert response.status_code == 302
    assert _state() == before


def test_accept_reject_add_correct_and_mark_reviewed(cast, client_for, coded):
    comment, parking, safe = coded
    client = client_for(cast.a_contributor)
    data = _form_data(
        client,
        comment,
        **{
            f"label_{parking.pk}": "accepted",
            f"label_{safe.pk}": "rejected",
            "add_theme": str(theme("Pain management").pk),
            "sentiment3": "neutral",
            "reviewed": "on",
        },
    )
    response = client.post(reverse("insight:comment", args=[comment.pk]), data)
    assert response.status_code == 302
    parking.refresh_from_db()
    safe.refresh_from_db()
    comment.refresh_from_db()
    assert (parking.decision, parking.decided_by) == ("accepted", cast.a_contributor)
    assert safe.decision == "rejected" and not safe.applies
    added = Label.objects.get(comment=comment, theme=theme("Pain management"))
    assert (added.source, added.decision, added.decided_by) == ("person", "accepted", cast.a_contributor)
    assert (comment.sentiment3, comment.sentiment5, comment.sentiment_coded_by) == ("neutral", 3, cast.a_contributor)
    assert (comment.review, comment.reviewed_by) == ("reviewed", cast.a_contributor)
    event = AuditEvent.objects.get(action="comment.review")
    assert event.actor_id == cast.a_contributor.pk and event.new["sentiment"] == "neutral"
    # The page shows where each label came from.
    html = client.get(reverse("insight:comment", args=[comment.pk])).content.decode()
    assert "added by" in html and "probability 0.70" in html
    # Undoing a decision is a change too.
    data = _form_data(client, comment, **{f"label_{parking.pk}": "undecided"})
    client.post(reverse("insight:comment", args=[comment.pk]), data)
    parking.refresh_from_db()
    assert parking.decision == "" and parking.decided_by is None


def test_two_reviewers_never_overwrite_each_other(cast, client_for, coded, scorecard):
    comment, parking, _ = coded
    first, second = client_for(cast.a_contributor), client_for(cast.a_engagement_lead)
    stale = _form_data(second, comment, **{f"label_{parking.pk}": "rejected"})
    client_for(cast.a_contributor).post(
        reverse("insight:comment", args=[comment.pk]), _form_data(first, comment, **{f"label_{parking.pk}": "accepted"})
    )
    response = second.post(reverse("insight:comment", args=[comment.pk]), stale, follow=True)
    assert "Someone else reviewed this comment" in response.content.decode()
    parking.refresh_from_db()
    lost = (parking.decision, parking.decided_by) != ("accepted", cast.a_contributor)
    scorecard.add(scorecard.LOST_UPDATES, found=int(lost), checked=1)
    assert not lost


def test_an_empty_or_bad_post_is_refused_with_a_message(cast, client_for, coded):
    comment, parking, _ = coded
    client = client_for(cast.a_contributor)
    before = _state()
    for data in ({}, {f"label_{parking.pk}": "maybe", "seen": services.seen_token(comment)}):
        response = client.post(reverse("insight:comment", args=[comment.pk]), data)
        assert response.status_code == 400 and "There is a problem" in response.content.decode()
    assert _state() == before


def test_readers_see_the_masked_text_only_and_no_form(cast, client_for):
    comment = make_comment(
        cast.org_a, text="Call Sarah Jones on 07700 900123", masked_text="Call [name] on [phone number]"
    )
    url = reverse("insight:comment", args=[comment.pk])
    for person in ("a_viewer", "region_reader"):
        html = client_for(getattr(cast, person)).get(url).content.decode()
        assert "[name]" in html and "Sarah" not in html and "Save the review" not in html
    assert client_for(cast.a_viewer).post(url, {}).status_code == 403
    html = client_for(cast.a_contributor).get(url).content.decode()
    assert "Sarah Jones" in html and "Save the review" in html


PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_comment_text_is_escaped_everywhere(cast, client_for, scorecard):
    comment = make_comment(cast.org_a, text=PAYLOAD, masked_text=PAYLOAD, question=PAYLOAD, service=PAYLOAD)
    from .factories import make_flag

    flag = make_flag(comment, reasons=PAYLOAD)
    client = client_for(cast.a_administrator)
    urls = [
        reverse("insight:review_queue"),
        reverse("insight:comment", args=[comment.pk]),
        reverse("insight:safeguarding"),
        reverse("insight:flag", args=[flag.pk]),
    ]
    found = 0
    for url in urls:
        html = client.get(url).content.decode()
        found += "<script>alert" in html or "<img src=x" in html
        assert "&lt;script&gt;" in html, url
    scorecard.add(scorecard.UNESCAPED, found=found, checked=len(urls))
    assert found == 0


def test_forms_answer_bad_values_with_messages_for_people(cast, client_for, review):
    from ..project.test_forms import _bad_values, defaults_in, main_form

    client = client_for(cast.a_administrator)
    for url in (
        reverse("insight:comment", args=[review.comment.pk]),
        reverse("insight:flag", args=[review.flag.pk]),
        reverse("insight:reviewers"),
    ):
        form = main_form(client.get(url).content.decode())
        before = _state()
        for data in ({}, _bad_values(form, 0), _bad_values(form, 1)):
            response = client.post(url, data)
            html = response.content.decode()
            assert response.status_code == 400 and "There is a problem" in html, url
            assert not defaults_in(html), (url, defaults_in(html))
        assert _state() == before


def test_the_queue_makes_a_fixed_number_of_queries(cast, client_for, django_assert_max_num_queries):
    for i in range(30):
        comment = make_comment(cast.org_a, text=f"Comment number {i}", certainty=i / 30)
        make_label(comment)
        make_label(comment, "Feeling safe")
    client = client_for(cast.a_engagement_lead)
    client.get(reverse("insight:review_queue"))
    with django_assert_max_num_queries(13):
        assert client.get(reverse("insight:review_queue")).status_code == 200
