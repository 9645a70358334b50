"""Who may use the responding part's pages: the staff preview and paper entry (EDIT, the consultation's
own organisation only), and the public pages (anyone, never a draft consultation, never another
organisation's records through a public address)."""

import re

import pytest
from django.apps import apps
from django.urls import reverse

from involve.audit.middleware import ACCESS_ACTIONS
from involve.audit.models import AuditEvent
from involve.consultations import submission
from involve.consultations.models import Consultation

from ..matrix import PEOPLE, role_failures
from .factories import make_consultation, make_question
from .spec_responding import PUBLIC, ROWS

pytestmark = pytest.mark.django_db


def _url(records, name, needs):
    return reverse(name, args=[getattr(records, needs).pk])


@pytest.mark.parametrize("person", PEOPLE)
def test_every_role_on_preview_and_paper_entry(cast, records, client_for, person, scorecard):
    client = client_for(getattr(cast, person))
    url_of = lambda name, arg: _url(records, name, arg)  # noqa: E731
    assert not role_failures(client, person, ROWS, url_of, scorecard)


def database_state():
    state = {}
    for label in ("consultations", "equality"):
        for model in apps.get_app_config(label).get_models():
            state[model._meta.label] = list(model.objects.order_by("pk").values())
    state["audit"] = AuditEvent.objects.exclude(action__in=ACCESS_ACTIONS).count()
    return state


def _paper_post(client, records):
    url = reverse("consultations:paper_entry", args=[records.consultation.pk])
    token = submission.make_form_token(records.consultation)
    return client.post(
        url,
        {
            "q_q1": "Typed from a paper form",
            "channel": "paper",
            "received-day": "1",
            "received-month": "2",
            "received-year": "2026",
            "form_token": token,
        },
    )


def test_the_paper_post_works_when_allowed(cast, records, client_for):
    client = client_for(cast.a_contributor)
    before = database_state()
    response = _paper_post(client, records)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert database_state() != before


@pytest.mark.parametrize("person", ["b_administrator", "b_engagement_lead", "trust_admin"])
def test_cross_organisation_paper_entry_is_404_and_changes_nothing(cast, records, client_for, person, scorecard):
    client = client_for(getattr(cast, person))
    before = database_state()
    statuses = [_paper_post(client, records).status_code]
    preview = client.post(reverse("consultations:preview", args=[records.consultation.pk]), {"q_q1": "x"})
    statuses.append(preview.status_code)
    scorecard.add(scorecard.CROSS_ORG_2XX, found=sum(200 <= s < 400 for s in statuses), checked=len(statuses))
    assert statuses == [404, 404]
    assert database_state() == before


@pytest.mark.parametrize("person", ["region_reader", "a_viewer"])
def test_paper_entry_without_permission_is_403_and_changes_nothing(cast, records, client_for, person):
    client = client_for(getattr(cast, person))
    before = database_state()
    assert _paper_post(client, records).status_code == 403
    assert database_state() == before


def test_anonymous_people_are_sent_to_sign_in_for_staff_pages(records, client):
    for name, needs, _action, _kind in ROWS:
        response = client.get(_url(records, name, needs))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


def test_the_public_pages_need_no_sign_in(records, client):
    c = records.consultation
    _draft, token = submission.new_draft(c)
    args = {"org": c.organisation_id, "slug": c.slug}
    urls = {
        "hub": reverse("have_your_say:hub", kwargs={"org": c.organisation_id}),
        "consultation": reverse("have_your_say:consultation", kwargs=args),
        "respond": reverse("have_your_say:respond", kwargs=args),
        "privacy": reverse("have_your_say:privacy", kwargs=args),
        "confirmation": reverse("have_your_say:confirmation", kwargs={**args, "reference": records.response.reference}),
        "page": reverse("have_your_say:page", kwargs={"token": token, "number": 1}),
        "about_you": reverse("have_your_say:about_you", kwargs={"token": token}),
        "check": reverse("have_your_say:check", kwargs={"token": token}),
        "saved": reverse("have_your_say:saved", kwargs={"token": token}),
    }
    for name, url in urls.items():
        assert client.get(url).status_code == 200, name
    assert {f"have_your_say:{n}" for n in urls} <= PUBLIC


def test_a_confirmation_reference_is_only_found_under_its_own_consultation(cast, records, client):
    other = make_consultation(cast.org_b, title="Other organisation")
    url = reverse(
        "have_your_say:confirmation",
        kwargs={"org": other.organisation_id, "slug": other.slug, "reference": records.response.reference},
    )
    assert client.get(url).status_code == 404


def test_a_guessed_draft_token_finds_nothing(records, client):
    submission.new_draft(records.consultation)
    response = client.get(reverse("have_your_say:resume", kwargs={"token": "x" * 43}))
    assert response.status_code == 404


def test_a_draft_consultation_has_no_public_pages_even_with_a_draft(cast, client):
    c = make_consultation(cast.org_a, title="Not yet", state=Consultation.State.DRAFT)
    make_question(c, "free_text", code="t")
    _draft, token = submission.new_draft(c)
    for name in ("resume", "check", "saved", "about_you"):
        assert client.get(reverse(f"have_your_say:{name}", kwargs={"token": token})).status_code == 404, name


def test_a_form_token_of_one_consultation_cannot_post_to_another(cast, records, client):
    other = make_consultation(cast.org_b, title="Beta survey", paging=Consultation.Paging.ALL, ask_equality=False)
    make_question(other, "free_text", code="t")
    token = submission.make_form_token(records.consultation)
    url = reverse("have_your_say:respond", kwargs={"org": other.organisation_id, "slug": other.slug})
    response = client.post(url, {"q_t": "Hello", "form_token": token})
    assert response.status_code == 400 and re.search("not been sent yet", response.content.decode())
