"""Reference data, database constraints and the demo data of the engagement app."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from involve.core.personal_data import unclassified_fields
from involve.engagement.models import (
    Activity,
    AudienceTag,
    Decision,
    Evidence,
    LegalDuty,
    TermsOfEngagement,
)
from involve.engagement.selectors import duties_for, with_warnings
from involve.organisations.models import Organisation

from .factories import days, make_activity, make_decision, make_partner

pytestmark = pytest.mark.django_db


def test_the_legal_duties_are_seeded_with_their_dates():
    s14z2 = LegalDuty.objects.get(code="s14Z2")
    s14z45 = LegalDuty.objects.get(code="s14Z45")
    assert s14z2.valid_to == datetime.date(2022, 6, 30) and s14z2.applies_to == ["ccg"]
    assert s14z45.valid_from == datetime.date(2022, 7, 1) and s14z45.applies_to == ["icb"]
    assert {"s13Q", "s242", "s244", "Equality Act s149"} <= set(LegalDuty.objects.values_list("code", flat=True))


@pytest.mark.parametrize(
    "kind, on, expected",
    [
        ("ccg", datetime.date(2022, 6, 30), {"s14Z2", "s244", "Equality Act s149"}),
        ("ccg", datetime.date(2022, 7, 1), {"s244", "Equality Act s149"}),
        ("icb", datetime.date(2022, 6, 30), {"s244", "Equality Act s149"}),
        ("icb", datetime.date(2022, 7, 1), {"s14Z45", "s244", "Equality Act s149"}),
        ("trust", datetime.date(2025, 1, 1), {"s242", "s244", "Equality Act s149", "NHS Standard Contract"}),
        ("national", datetime.date(2025, 1, 1), {"s13Q", "s244", "Equality Act s149"}),
    ],
)
def test_only_duties_in_force_on_the_date_for_the_kind_of_body_are_offered(kind, on, expected):
    org = Organisation(kind=kind)
    assert set(duties_for(org, on).values_list("code", flat=True)) == expected


def test_the_national_audiences_are_seeded():
    names = set(AudienceTag.objects.filter(organisation=None).values_list("name", flat=True))
    assert {
        "People experiencing homelessness",
        "Gypsy, Roma and Traveller communities",
        "Carers",
        "Sex workers",
        "People who use drugs",
        "People in contact with the justice system",
    } <= names
    assert AudienceTag.objects.get(name="Sex workers").inclusion_health


def test_every_engagement_field_is_classified_for_personal_data():
    from django.apps import apps

    for model in apps.get_app_config("engagement").get_models():
        assert unclassified_fields(model) == [], model


def test_evidence_belongs_to_exactly_one_record(cast):
    decision = make_decision(cast.org_a)
    activity = make_activity(cast.org_a)
    for owners in ({}, {"decision": decision, "activity": activity}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Evidence.objects.create(organisation=cast.org_a, title="x", kind="link", dated=days(-1), **owners)


def test_the_database_refuses_dates_out_of_order(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(
            organisation=cast.org_a,
            title="x",
            method="survey",
            ladder_level="consult",
            starts_on=days(0),
            ends_on=days(-1),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        TermsOfEngagement.objects.create(
            organisation=cast.org_a,
            partner=make_partner(cast.org_a),
            version="1",
            agreed_on=days(0),
            review_on=days(-1),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.create(
            organisation=cast.org_a, title="x", kind="operational", plan_starts=days(0), plan_ends=days(-1)
        )


def test_the_demo_loads_once_with_each_warning(client_for):
    from involve.demo import load

    load()
    counts = (Decision.objects.count(), Activity.objects.count(), Evidence.objects.count())
    load()
    assert (Decision.objects.count(), Activity.objects.count(), Evidence.objects.count()) == counts
    icb = Organisation.objects.get(ods_code="QWE")
    warnings = {w.code for d in with_warnings(Decision.objects.filter(organisation=icb)) for w in d.warnings}
    assert warnings == {"no_evidence", "late_evidence", "no_feedback", "no_scrutiny"}
    assert (
        with_warnings(Decision.objects.filter(organisation=icb))
        .filter(
            warn_no_evidence=False,
            warn_late_evidence=False,
            warn_no_feedback=False,
            warn_no_scrutiny=False,
            duty_status="feedback_given",
        )
        .exists()
    )
    assert Activity.objects.filter(organisation__ods_code="RJ7", method="fifteen_steps").exists()
    assert len(set(Activity.objects.values_list("method", flat=True))) >= 8
    assert len(set(Activity.objects.values_list("ladder_level", flat=True))) == 5


def test_the_header_links_to_the_engagement_pages(cast, client_for):
    html = client_for(cast.a_viewer).get(reverse("engagement:decision_list")).content.decode()
    for name in ("decision_list", "activity_list", "programme_list", "partner_list"):
        assert f'href="{reverse(f"engagement:{name}")}"' in html
