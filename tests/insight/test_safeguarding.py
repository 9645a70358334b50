"""The safeguarding queue: open flags first, the urgent banner, handling with a required reason (audited,
and checked against what the person saw), and the list of named reviewers."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from involve.audit.models import AuditEvent
from involve.insight import services
from involve.insight.models import SafeguardingFlag, SafeguardingReviewer

from .factories import make_comment, make_flag, make_reviewer

pytestmark = pytest.mark.django_db


@pytest.fixture
def flag(cast):
    return make_flag(
        make_comment(cast.org_a, text="He hit me on the ward"), reasons="Mentions physical abuse or violence"
    )


def test_open_flags_come_first(cast, client_for):
    handled = make_flag(make_comment(cast.org_a, text="Handled"), state=SafeguardingFlag.State.NO_ACTION)
    opened = make_flag(make_comment(cast.org_a, text="Open"))
    SafeguardingFlag.objects.filter(pk=opened.pk).update(raised_at=timezone.now() - datetime.timedelta(days=3))
    html = client_for(cast.a_engagement_lead).get(reverse("insight:safeguarding")).content.decode()
    assert html.index(f"Flag on comment {opened.comment_id}<") < html.index(f"Flag on comment {handled.comment_id}<")


def test_the_urgent_banner_shows_to_those_who_handle_flags(cast, client_for, flag):
    url = reverse("insight:review_queue")
    assert "Urgent safeguarding review" in client_for(cast.a_engagement_lead).get(url).content.decode()
    assert "Urgent safeguarding review" not in client_for(cast.a_viewer).get(url).content.decode()
    assert "Urgent safeguarding review" not in client_for(cast.b_engagement_lead).get(url).content.decode()
    reviewer = make_reviewer(cast.org_a, cast.a_contributor)
    assert "Urgent safeguarding review" in client_for(reviewer.user).get(url).content.decode()
    SafeguardingFlag.objects.update(state=SafeguardingFlag.State.REFERRED)
    assert "Urgent safeguarding review" not in client_for(cast.a_engagement_lead).get(url).content.decode()


def test_handling_needs_a_reason_and_is_audited(cast, client_for, flag):
    client = client_for(cast.a_engagement_lead)
    url = reverse("insight:flag", args=[flag.pk])
    seen = services.flag_seen_token(flag)
    response = client.post(url, {"state": "referred", "reason": "  ", "seen": seen})
    assert response.status_code == 400 and "Enter" in response.content.decode()
    assert SafeguardingFlag.objects.get().state == "open"
    response = client.post(
        url, {"state": "referred", "reason": "Referred to the adult safeguarding team", "seen": seen}
    )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert (flag.state, flag.handled_by) == ("referred", cast.a_engagement_lead)
    assert flag.handling_reason == "Referred to the adult safeguarding team" and flag.handled_at
    event = AuditEvent.objects.get(action="safeguarding.handle")
    assert event.old == {"state": "open"} and event.new["state"] == "referred"
    # A second handler with the page they opened before the first saved is refused.
    response = client_for(cast.a_administrator).post(url, {"state": "no_action", "reason": "Nothing", "seen": seen})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.state == "referred"


def test_the_flag_page_shows_why_and_the_words_to_handlers_only(cast, client_for, flag):
    url = reverse("insight:flag", args=[flag.pk])
    html = client_for(cast.a_engagement_lead).get(url).content.decode()
    assert "Mentions physical abuse or violence" in html and "He hit me on the ward" in html
    assert client_for(cast.a_contributor).get(url).status_code == 403
    assert client_for(cast.b_engagement_lead).get(url).status_code == 404


def test_reviewers_are_added_and_removed_by_managers_and_audited(cast, client_for):
    client = client_for(cast.a_engagement_lead)
    url = reverse("insight:reviewers")
    response = client.post(url, {"user": str(cast.b_viewer.pk)})
    assert response.status_code == 400  # not a member of org_a
    response = client.post(url, {"user": str(cast.a_viewer.pk)})
    assert response.status_code == 302
    reviewer = SafeguardingReviewer.objects.get()
    assert (reviewer.organisation, reviewer.user) == (cast.org_a, cast.a_viewer)
    assert AuditEvent.objects.filter(action="safeguarding.reviewer_add").count() == 1
    response = client.post(reverse("insight:reviewer_remove", args=[reviewer.pk]))
    assert response.status_code == 302 and not SafeguardingReviewer.objects.exists()
    assert AuditEvent.objects.filter(action="safeguarding.reviewer_remove").count() == 1
