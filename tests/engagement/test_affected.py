"""Decisions that affect another organisation: the organisations a decision names can read it, its
activities, its evidence and its cover sheet, and see it on their home page, without changing any of it;
every other organisation still gets "page not found"."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from involve.engagement import services
from involve.engagement.forms import neighbours
from involve.organisations.models import Organisation, Role

from ..factories import make_member, make_organisation
from .factories import make_activity, make_decision, make_evidence, make_partner

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(cast):
    """An ICB decision that names its trust and its neighbouring ICB among those it affects."""
    decision = services.decision_create(
        by=cast.a_engagement_lead,
        organisation=cast.org_a,
        title="Move the minor injuries unit",
        kind="service_change",
        affected_organisations=[cast.org_a_trust, cast.org_b],
    )
    activity = make_activity(cast.org_a, title="Drop-in", decisions=[decision])
    evidence = make_evidence(decision)
    return decision, activity, evidence


def test_the_affected_organisations_read_the_decision_its_activities_and_cover_sheet(cast, client_for, shared):
    decision, activity, evidence = shared
    for reader in (cast.b_viewer, cast.trust_admin):
        client = client_for(reader)
        for url in (
            reverse("engagement:decision_detail", args=[decision.pk]),
            reverse("engagement:decision_timeline", args=[decision.pk]),
            reverse("engagement:cover_sheet", args=[decision.pk]),
            reverse("engagement:cover_sheet_docx", args=[decision.pk]),
            reverse("engagement:activity_detail", args=[activity.pk]),
        ):
            assert client.get(url).status_code == 200, (reader, url)
        page = client.get(reverse("engagement:decision_detail", args=[decision.pk])).content.decode()
        assert "names" in page and "so you can read it" in page


def test_they_cannot_change_any_of_it(cast, client_for, shared):
    decision, activity, evidence = shared
    client = client_for(cast.b_administrator)
    for name, pk in (
        ("engagement:decision_edit", decision.pk),
        ("engagement:decision_screen", decision.pk),
        ("engagement:decision_delete", decision.pk),
        ("engagement:cover_sheet_details", decision.pk),
        ("engagement:activity_edit", activity.pk),
        ("engagement:activity_feedback", activity.pk),
        ("engagement:evidence_remove", evidence.pk),
    ):
        url = reverse(name, args=[pk])
        assert client.get(url).status_code == 403, name
        assert client.post(url, {"title": "Taken over"}).status_code == 403, name
    decision.refresh_from_db()
    assert decision.title == "Move the minor injuries unit"


def test_everyone_else_still_gets_page_not_found(cast, client_for, shared):
    decision, activity, _ = shared
    other = make_organisation("NHS Gamma ICB", parent=cast.region, ods_code="QCC")
    stranger = make_member(other, Role.ADMINISTRATOR)
    for url in (
        reverse("engagement:decision_detail", args=[decision.pk]),
        reverse("engagement:cover_sheet", args=[decision.pk]),
        reverse("engagement:activity_detail", args=[activity.pk]),
    ):
        assert client_for(stranger).get(url).status_code == 404, url


def test_an_unrelated_activity_of_the_owner_stays_private(cast, client_for, shared):
    private = make_activity(cast.org_a, title="Internal planning session")
    assert client_for(cast.b_viewer).get(reverse("engagement:activity_detail", args=[private.pk])).status_code == 404


def test_the_home_page_lists_decisions_affecting_the_organisation_for_every_role(cast, client_for, shared):
    decision, _, _ = shared
    for person in (cast.b_viewer, cast.b_engagement_lead, cast.trust_admin):
        html = client_for(person).get(reverse("home")).content.decode()
        assert "Decisions by other organisations that affect" in html
        assert reverse("engagement:decision_detail", args=[decision.pk]) in html
    own = client_for(cast.a_engagement_lead).get(reverse("home")).content.decode()
    assert "Decisions by other organisations that affect" not in own


def test_the_form_offers_the_organisations_nearby_and_saves_every_tick(cast, client_for):
    offered = set(neighbours(cast.org_a))
    assert offered == {cast.region, cast.org_b, cast.org_a_trust}
    client = client_for(cast.a_engagement_lead)
    response = client.post(
        reverse("engagement:decision_add"),
        {"title": "Hubs", "kind": "strategic_plan", "affected_organisations": [cast.org_b.pk, cast.org_a_trust.pk]},
    )
    assert response.status_code == 302
    decision = cast.org_a.decisions.get(title="Hubs")
    assert set(decision.affected_organisations.all()) == {cast.org_b, cast.org_a_trust}


def test_a_decision_cannot_name_its_own_organisation(cast):
    with pytest.raises(ValidationError):
        services.decision_create(
            by=cast.a_engagement_lead,
            organisation=cast.org_a,
            title="Self",
            kind="operational",
            affected_organisations=[cast.org_a],
        )
    assert not Organisation.objects.get(pk=cast.org_a.pk).decisions.filter(title="Self").exists()


def test_the_shared_activity_page_hides_what_the_reader_may_not_open(cast, client_for, shared):
    decision, activity, _ = shared
    private = make_decision(cast.org_a, title="Internal restructure")
    activity.decisions.add(private)
    partner = make_partner(cast.org_a, "Wandle Carers")
    activity.partners.add(partner)
    partner_page = reverse("engagement:partner_detail", args=[partner.pk])
    html = client_for(cast.b_viewer).get(reverse("engagement:activity_detail", args=[activity.pk])).content.decode()
    assert "Move the minor injuries unit" in html and "Internal restructure" not in html
    assert "Wandle Carers" in html and partner_page not in html
    own = client_for(cast.a_viewer).get(reverse("engagement:activity_detail", args=[activity.pk])).content.decode()
    assert "Internal restructure" in own and partner_page in own
