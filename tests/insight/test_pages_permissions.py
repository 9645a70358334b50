"""Every role on every insight page URL, isolation between organisations, and the POST-only actions."""

import types

import pytest
from django.urls import reverse

from involve.audit.models import AuditEvent
from involve.insight.models import DuplicateGroup, Quote
from involve.organisations.permissions import Action

from ..matrix import PEOPLE, role_failures
from . import spec_pages
from .spec_pages import pages_for

pytestmark = pytest.mark.django_db

URLS = [(name.removeprefix("insight:"), needs, action, kind) for name, needs, action, kind in spec_pages.ROWS]
URLS += [("export", ("fmt", "csv"), Action.VIEW, "list"), ("export", ("fmt", "xlsx"), Action.VIEW, "list")]


@pytest.fixture
def pages(cast):
    return pages_for(types.SimpleNamespace(org_a=cast.org_a))


def _url(pages, name, needs):
    if needs is None:
        return reverse(f"insight:{name}")
    if isinstance(needs, tuple):
        return reverse(f"insight:{name}", args=[needs[1]])
    return reverse(f"insight:{name}", args=[getattr(pages, needs).pk])


def test_every_pages_url_is_declared():
    from involve.insight import routes_pages

    assert {p.name for p in routes_pages.urlpatterns} == {u[0] for u in URLS} | {
        n.removeprefix("insight:") for n in spec_pages.EXEMPT
    }


@pytest.mark.parametrize("person", PEOPLE)
def test_every_role_on_every_pages_url(cast, pages, client_for, person, scorecard):
    client = client_for(getattr(cast, person))
    assert not role_failures(client, person, URLS, lambda name, arg: _url(pages, name, arg), scorecard)


def test_anonymous_people_are_sent_to_sign_in(pages, client):
    for name, needs, _, _ in URLS:
        response = client.get(_url(pages, name, needs))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


def _posts(pages):
    return [
        (reverse("insight:quotes_suggest", args=[pages.theme.pk]), {}),
        (reverse("insight:quote_confirm", args=[pages.quote.pk]), {}),
        (reverse("insight:duplicate_campaign", args=[pages.group.pk]), {"is_campaign": "yes"}),
        (reverse("insight:quote_remove", args=[pages.quote.pk]), {}),
    ]


def _state():
    return (
        list(Quote.objects.order_by("pk").values_list("pk", "confirmed_at", "removed_at")),
        list(DuplicateGroup.objects.order_by("pk").values_list("pk", "is_campaign")),
        AuditEvent.objects.filter(action__startswith="insight.").count(),
    )


def test_actions_are_post_only(cast, pages, client_for):
    client = client_for(cast.a_administrator)
    for url, _ in _posts(pages):
        assert client.get(url).status_code == 405


@pytest.mark.parametrize("person", ["b_administrator", "b_engagement_lead", "trust_admin"])
def test_another_organisations_actions_are_404_and_change_nothing(cast, pages, client_for, person, scorecard):
    client = client_for(getattr(cast, person))
    before = _state()
    for url, data in _posts(pages)[1:]:
        status = client.post(url, data).status_code
        scorecard.add(scorecard.CROSS_ORG_2XX, found=int(200 <= status < 400), checked=1)
        assert status == 404, url
    assert _state() == before


@pytest.mark.parametrize("person", ["region_reader", "a_viewer"])
def test_readers_may_not_act(cast, pages, client_for, person):
    client = client_for(getattr(cast, person))
    before = _state()
    for url, data in _posts(pages):
        assert client.post(url, data).status_code == 403, url
    assert _state() == before


def test_an_editor_confirms_marks_and_removes(cast, pages, client_for):
    client = client_for(cast.a_contributor)
    for url, data in _posts(pages):
        assert client.post(url, data).status_code == 302, url
    assert Quote.objects.get(pk=pages.quote.pk).removed_at is not None
    assert DuplicateGroup.objects.get(pk=pages.group.pk).is_campaign
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"insight.quote_confirm", "insight.quote_remove", "insight.duplicate_campaign"} <= actions


def test_another_organisations_group_is_404(cast, pages, client_for):
    url = reverse("insight:duplicate_detail", args=[pages.group.pk])
    assert client_for(cast.b_viewer).get(url).status_code == 404
    assert client_for(cast.a_viewer).get(url).status_code == 200
