"""Every role on every review and safeguarding URL, and isolation: another organisation's comment,
flag, model or reviewer is a 404, and a POST to it changes nothing."""

import pytest
from django.urls import reverse

from involve.audit.middleware import ACCESS_ACTIONS
from involve.audit.models import AuditEvent
from involve.insight.models import Comment, Label, SafeguardingFlag, SafeguardingReviewer

from ..matrix import PEOPLE, role_failures
from . import spec_review

pytestmark = pytest.mark.django_db

URLS = [(name.removeprefix("insight:"), needs, action, kind) for name, needs, action, kind in spec_review.ROWS]


def _url(review, name, needs):
    if needs is None:
        return reverse(f"insight:{name}")
    return reverse(f"insight:{name}", args=[getattr(review, needs).pk])


def test_every_review_url_is_declared():
    from involve.insight import urls

    mine = {p.name for p in urls.urlpatterns if p.callback.__module__ == "involve.insight.views"}
    assert mine == {u[0] for u in URLS}


@pytest.mark.parametrize("person", PEOPLE)
def test_every_role_on_every_review_url(cast, review, client_for, person, scorecard):
    client = client_for(getattr(cast, person))
    assert not role_failures(client, person, URLS, lambda name, arg: _url(review, name, arg), scorecard)


def test_anonymous_people_are_sent_to_sign_in(review, client):
    for name, needs, _, _ in URLS:
        response = client.get(_url(review, name, needs))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


def test_a_named_reviewer_may_handle_flags_whatever_their_role(cast, review, client_for):
    client = client_for(review.reviewer.user)
    assert client.get(reverse("insight:safeguarding")).status_code == 200
    assert client.get(reverse("insight:flag", args=[review.flag.pk])).status_code == 200
    # ... but not manage the list of reviewers.
    assert client.get(reverse("insight:reviewers")).status_code == 403


def _state():
    return (
        list(Comment.objects.order_by("pk").values()),
        list(Label.objects.order_by("pk").values()),
        list(SafeguardingFlag.objects.order_by("pk").values()),
        list(SafeguardingReviewer.objects.order_by("pk").values()),
        AuditEvent.objects.exclude(action__in=ACCESS_ACTIONS).count(),
    )


@pytest.mark.parametrize("person", ["b_administrator", "b_engagement_lead", "trust_admin", "region_reader"])
def test_posts_to_another_organisations_records_change_nothing(cast, review, client_for, person):
    from involve.insight import services

    client = client_for(getattr(cast, person))
    before = _state()
    posts = [
        (
            reverse("insight:comment", args=[review.comment.pk]),
            {
                f"label_{review.label.pk}": "rejected",
                "sentiment3": "positive",
                "reviewed": "on",
                "seen": services.seen_token(review.comment),
            },
        ),
        (
            reverse("insight:flag", args=[review.flag.pk]),
            {"state": "no_action", "reason": "x", "seen": services.flag_seen_token(review.flag)},
        ),
        (reverse("insight:reviewer_remove", args=[review.reviewer.pk]), {}),
        (reverse("insight:model_activate", args=[review.model_version.pk]), {}),
    ]
    for url, data in posts:
        status = client.post(url, data).status_code
        assert status in (403, 404), (url, status)
    assert _state() == before
