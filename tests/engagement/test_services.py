"""Every engagement service: what it writes, the audit event it leaves, and what it refuses."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from involve.audit.models import AuditEvent
from involve.core.dates import today
from involve.engagement import services
from involve.engagement.models import (
    Activity,
    AudienceTag,
    Decision,
    ImprovementObjective,
    LegalDuty,
    Milestone,
    Programme,
    TermsOfEngagement,
    VCSEPartner,
)

from .factories import (
    days,
    make_activity,
    make_decision,
    make_evidence,
    make_objective,
    make_partner,
    make_programme,
    make_tag,
    make_terms,
)

pytestmark = pytest.mark.django_db


def last_event(action):
    return AuditEvent.objects.filter(action=action).latest("id")


def test_programme_create_update_delete(cast):
    by = cast.a_engagement_lead
    programme = services.programme_create(by=by, organisation=cast.org_a, name="Cancer", description="Early")
    event = last_event("programme.create")
    assert (event.actor_id, event.organisation_id, event.target_id) == (
        by.pk,
        cast.org_a.pk,
        str(programme.pk),
    )
    assert event.new == {"name": "Cancer", "description": "Early"}

    services.programme_update(by=by, programme=programme, name="Cancer care", description="Early")
    event = last_event("programme.update")
    assert (event.old, event.new) == ({"name": "Cancer"}, {"name": "Cancer care"})

    services.programme_delete(by=by, programme=programme)
    assert not Programme.objects.filter(pk=programme.pk).exists()
    assert last_event("programme.delete").old["name"] == "Cancer care"


def test_an_update_that_changes_nothing_writes_no_event(cast):
    programme = make_programme(cast.org_a)
    services.programme_update(by=cast.a_administrator, programme=programme, name=programme.name)
    assert not AuditEvent.objects.filter(action="programme.update").exists()


def test_a_programme_in_use_is_not_deleted(cast):
    programme = make_programme(cast.org_a)
    make_decision(cast.org_a, programme=programme)
    with pytest.raises(ValidationError, match="1 decision and 0 activities"):
        services.programme_delete(by=cast.a_administrator, programme=programme)
    assert Programme.objects.filter(pk=programme.pk).exists()
    assert not AuditEvent.objects.filter(action="programme.delete").exists()


def test_duplicate_programme_names_are_refused_within_an_organisation_only(cast):
    make_programme(cast.org_a, "Maternity")
    with pytest.raises(ValidationError):
        services.programme_create(by=None, organisation=cast.org_a, name="Maternity")
    services.programme_create(by=None, organisation=cast.org_b, name="Maternity")


def test_objective_and_milestone_lifecycle(cast):
    by = cast.a_contributor
    programme = make_programme(cast.org_a)
    objective = services.objective_create(
        by=by,
        programme=programme,
        title="Shorter waits",
        status="on_track",
        owner=cast.a_viewer,
        target_date=days(90),
    )
    assert objective.organisation_id == cast.org_a.pk
    assert last_event("objective.create").new["owner"] == cast.a_viewer.pk
    services.objective_update(by=by, objective=objective, status="at_risk")
    assert last_event("objective.update").new == {"status": "at_risk"}

    milestone = services.milestone_create(by=by, objective=objective, title="Pilot", due_date=days(10))
    assert last_event("milestone.create").new["due_date"] == days(10).isoformat()
    services.milestone_update(by=by, milestone=milestone, done_date=days(-1))
    assert last_event("milestone.update").new == {"done_date": days(-1).isoformat()}
    services.milestone_delete(by=by, milestone=milestone)
    assert not Milestone.objects.exists()
    services.objective_delete(by=by, objective=objective)
    assert not ImprovementObjective.objects.exists()
    assert last_event("objective.delete").old["title"] == "Shorter waits"


def test_an_objective_owner_must_belong_to_the_organisation(cast):
    programme = make_programme(cast.org_a)
    with pytest.raises(ValidationError) as exc:
        services.objective_create(by=None, programme=programme, title="x", owner=cast.b_viewer)
    assert "owner" in exc.value.error_dict
    assert not ImprovementObjective.objects.exists()


def test_decision_create_and_update(cast):
    by = cast.a_contributor
    decision = services.decision_create(
        by=by,
        organisation=cast.org_a,
        title="Close ward 4",
        kind="service_change",
        planned_date=days(30),
        summary="=cmd",
    )
    assert decision.duty_status == Decision.DutyStatus.NOT_SCREENED
    assert last_event("decision.create").new["summary"] == "=cmd"  # stored as typed
    services.decision_update(by=by, decision=decision, actual_date=days(-1))
    event = last_event("decision.update")
    assert (event.old, event.new) == ({"actual_date": None}, {"actual_date": days(-1).isoformat()})


def test_decision_refuses_another_organisations_programme(cast):
    with pytest.raises(ValidationError) as exc:
        services.decision_create(
            by=None,
            organisation=cast.org_a,
            title="x",
            kind="operational",
            programme=make_programme(cast.org_b),
        )
    assert "programme" in exc.value.error_dict
    decision = make_decision(cast.org_a)
    with pytest.raises(ValidationError):
        services.decision_update(by=None, decision=decision, programme=make_programme(cast.org_b, "Other"))
    decision.refresh_from_db()
    assert decision.programme_id is None


def test_services_only_set_the_fields_they_list(cast):
    decision = make_decision(cast.org_a)
    with pytest.raises(TypeError):
        services.decision_update(by=None, decision=decision, organisation=cast.org_b)
    with pytest.raises(TypeError):
        services.decision_update(by=None, decision=decision, duty_status="feedback_given")
    with pytest.raises(TypeError):
        services.decision_create(
            by=None, organisation=cast.org_a, title="x", kind="operational", screened_by=cast.a_viewer
        )


def test_the_decision_date_cannot_be_in_the_future(cast):
    with pytest.raises(ValidationError) as exc:
        services.decision_create(by=None, organisation=cast.org_a, title="x", kind="operational", actual_date=days(1))
    assert "actual_date" in exc.value.error_dict


def _icb_duty():
    return LegalDuty.objects.get(code="s14Z45")


def test_screening_records_the_assessment_who_and_when(cast):
    decision = make_decision(cast.org_a, planned_date=days(30))
    tag = AudienceTag.objects.get(name="Carers")
    services.decision_screen(
        by=cast.a_engagement_lead,
        decision=decision,
        affects_services="yes",
        affects_rationale="Moves a clinic",
        duty_status="plan_in_progress",
        duties=[_icb_duty()],
        plan_audiences=[tag],
        plan_methods=["survey"],
        substantial_variation="yes",
    )
    decision.refresh_from_db()
    assert decision.screened_by == cast.a_engagement_lead and decision.screened_at is not None
    assert list(decision.duties.all()) == [_icb_duty()]
    event = last_event("decision.screen")
    assert event.new["duties"] == [_icb_duty().pk] and event.old["duties"] == []
    assert event.new["affects_services"] == "yes" and event.old["affects_services"] == "not_yet"
    assert event.new["plan_audiences"] == [tag.pk]


@pytest.mark.parametrize(
    "assessment, field",
    [
        (
            {"affects_services": "yes", "affects_rationale": "x", "duty_status": "not_applicable"},
            "duty_status",
        ),
        (
            {"affects_services": "no", "affects_rationale": "x", "duty_status": "plan_in_progress"},
            "duty_status",
        ),
        (
            {"affects_services": "yes", "affects_rationale": "", "duty_status": "plan_in_progress"},
            "affects_rationale",
        ),
        ({"affects_services": "yes", "affects_rationale": "x", "duty_status": "not_screened"}, "duty_status"),
        (
            {
                "affects_services": "yes",
                "affects_rationale": "x",
                "duty_status": "plan_in_progress",
                "plan_starts": days(10),
                "plan_ends": days(1),
            },
            "plan_ends",
        ),
    ],
)
def test_screening_refuses_contradictions(cast, assessment, field):
    decision = make_decision(cast.org_a)
    with pytest.raises(ValidationError) as exc:
        services.decision_screen(by=None, decision=decision, **assessment)
    assert field in exc.value.error_dict
    decision.refresh_from_db()
    assert decision.duty_status == "not_screened" and decision.screened_at is None
    assert not AuditEvent.objects.filter(action="decision.screen").exists()


def test_screening_refuses_duties_not_in_force_for_the_organisation_on_the_date(cast):
    ccg_duty = LegalDuty.objects.get(code="s14Z2")  # ended 30 June 2022, and for CCGs
    trust_duty = LegalDuty.objects.get(code="s242")
    decision = make_decision(cast.org_a, planned_date=days(10))
    for duty in (ccg_duty, trust_duty):
        with pytest.raises(ValidationError) as exc:
            services.decision_screen(
                by=None,
                decision=decision,
                affects_services="yes",
                affects_rationale="x",
                duty_status="plan_in_progress",
                duties=[duty],
            )
        assert "duties" in exc.value.error_dict


def test_screening_refuses_another_organisations_audience(cast):
    decision = make_decision(cast.org_a)
    with pytest.raises(ValidationError):
        services.decision_screen(by=None, decision=decision, plan_audiences=[make_tag(cast.org_b)])


def test_a_decision_with_evidence_is_not_deleted(cast):
    decision = make_decision(cast.org_a)
    make_evidence(decision)
    with pytest.raises(ValidationError, match="1 piece of evidence"):
        services.decision_delete(by=None, decision=decision)
    assert Decision.objects.filter(pk=decision.pk).exists()


def test_decision_delete_keeps_linked_activities(cast):
    decision = make_decision(cast.org_a)
    activity = make_activity(cast.org_a, decisions=[decision])
    services.decision_delete(by=cast.a_administrator, decision=decision)
    assert Activity.objects.filter(pk=activity.pk).exists()
    assert last_event("decision.delete").old["title"] == decision.title


def test_activity_create_with_links(cast):
    org = cast.org_a
    decision, partner, tag = make_decision(org), make_partner(org), make_tag(org)
    national = AudienceTag.objects.get(name="Sex workers")
    activity = services.activity_create(
        by=cast.a_contributor,
        organisation=org,
        title="Outreach",
        method="outreach",
        ladder_level="involve",
        state="done",
        starts_on=days(-3),
        decisions=[decision],
        partners=[partner],
        audiences_targeted=[tag, national],
        audiences_reached=[national],
        cost=Decimal("12.50"),
        participants=40,
    )
    assert set(activity.audiences_targeted.all()) == {tag, national}
    new = last_event("activity.create").new
    assert new["decisions"] == [decision.pk] and new["partners"] == [partner.pk]
    assert new["cost"] == "12.50"


@pytest.mark.parametrize("field", ["decisions", "partners", "audiences_targeted", "audiences_reached"])
def test_activity_refuses_another_organisations_records(cast, field):
    other = {
        "decisions": make_decision(cast.org_b),
        "partners": make_partner(cast.org_b),
        "audiences_targeted": make_tag(cast.org_b),
        "audiences_reached": make_tag(cast.org_b, "Other"),
    }[field]
    with pytest.raises(ValidationError) as exc:
        services.activity_create(
            by=None,
            organisation=cast.org_a,
            title="x",
            method="survey",
            ladder_level="consult",
            starts_on=days(-1),
            **{field: [other]},
        )
    assert field in exc.value.error_dict
    assert not Activity.objects.exists()
    activity = make_activity(cast.org_a)
    with pytest.raises(ValidationError):
        services.activity_update(by=None, activity=activity, **{field: [other]})
    assert getattr(activity, field).count() == 0


def test_activity_update_records_changed_links(cast):
    activity = make_activity(cast.org_a)
    decision = make_decision(cast.org_a)
    services.activity_update(by=None, activity=activity, decisions=[decision], title="Renamed")
    event = last_event("activity.update")
    assert event.old == {"decisions": [], "title": "Listening event"}
    assert event.new == {"decisions": [decision.pk], "title": "Renamed"}


def test_activity_dates_must_be_in_order(cast):
    with pytest.raises(ValidationError) as exc:
        services.activity_create(
            by=None,
            organisation=cast.org_a,
            title="x",
            method="survey",
            ladder_level="consult",
            starts_on=days(-1),
            ends_on=days(-5),
        )
    assert "ends_on" in exc.value.error_dict


def test_feedback_to_participants(cast):
    activity = make_activity(cast.org_a, starts_on=days(-20))
    services.activity_record_feedback(
        by=cast.a_contributor,
        activity=activity,
        feedback_what="We changed X",
        feedback_given_on=days(-1),
        feedback_how="Email",
    )
    activity.refresh_from_db()
    assert activity.feedback_given
    assert last_event("activity.feedback").new == {
        "feedback_what": "We changed X",
        "feedback_given_on": days(-1).isoformat(),
        "feedback_how": "Email",
    }
    with pytest.raises(ValidationError) as exc:
        services.activity_record_feedback(
            by=None, activity=activity, feedback_what="x", feedback_given_on=days(-30), feedback_how="y"
        )
    assert "feedback_given_on" in exc.value.error_dict


def test_activity_delete(cast):
    activity = make_activity(cast.org_a)
    services.activity_delete(by=None, activity=activity)
    assert last_event("activity.delete").old["title"] == "Listening event"
    activity = make_activity(cast.org_a)
    make_evidence(activity)
    with pytest.raises(ValidationError):
        services.activity_delete(by=None, activity=activity)


def test_partner_and_terms_lifecycle(cast):
    by = cast.a_contributor
    partner = services.partner_create(
        by=by, organisation=cast.org_a, name="Carers Network", kind="vcse", contact_email="hello@example.org"
    )
    assert last_event("partner.create").new["contact_email"] == "hello@example.org"
    services.partner_update(by=by, partner=partner, kind="other")
    assert last_event("partner.update").new == {"kind": "other"}
    terms = services.terms_create(by=by, partner=partner, version="1", agreed_on=days(-10), review_on=days(355))
    assert terms.organisation_id == cast.org_a.pk
    assert last_event("terms.create").new["partner"] == partner.pk
    services.terms_update(by=by, terms=terms, version="1.1")
    assert last_event("terms.update").new == {"version": "1.1"}
    with pytest.raises(ValidationError) as exc:
        services.terms_update(by=by, terms=terms, review_on=days(-20))
    assert "review_on" in exc.value.error_dict
    services.terms_delete(by=by, terms=terms)
    assert not TermsOfEngagement.objects.exists()
    services.partner_delete(by=by, partner=partner)
    assert not VCSEPartner.objects.exists()
    assert last_event("partner.delete").old["name"] == "Carers Network"


def test_website_and_document_links_must_be_https(cast):
    with pytest.raises(ValidationError):
        services.partner_create(by=None, organisation=cast.org_a, name="x", website="http://example.org")
    partner = make_partner(cast.org_a)
    with pytest.raises(ValidationError):
        services.terms_create(
            by=None, partner=partner, version="1", agreed_on=days(-1), document_url="javascript:alert(1)"
        )


def test_a_partner_who_took_part_is_not_deleted(cast):
    partner = make_partner(cast.org_a)
    make_activity(cast.org_a).partners.add(partner)
    with pytest.raises(ValidationError, match="1 activity"):
        services.partner_delete(by=None, partner=partner)
    assert VCSEPartner.objects.filter(pk=partner.pk).exists()


def test_audience_tags(cast):
    tag = services.audience_tag_create(by=cast.a_engagement_lead, organisation=cast.org_a, name="Kinship carers")
    assert last_event("audience_tag.create").new["name"] == "Kinship carers"
    services.audience_tag_update(by=None, tag=tag, active=False)
    assert last_event("audience_tag.update").new == {"active": False}
    with pytest.raises(ValidationError):
        services.audience_tag_create(by=None, organisation=cast.org_a, name="carers")  # a national one
    with pytest.raises(ValidationError):
        services.audience_tag_update(by=None, tag=AudienceTag.objects.get(name="Carers"), name="x")


def test_every_service_is_covered_by_an_audit_assertion():
    tested = open(__file__).read()
    writes = [
        name
        for name in dir(services)
        if not name.startswith("_")
        and name.split("_")[-1] in {"create", "update", "delete", "screen", "feedback"}
        and callable(getattr(services, name))
    ]
    assert writes
    for name in writes:
        assert f"services.{name}(" in tested, name


def test_make_terms_helper_stays_in_step(cast):
    # The factories bypass services; make sure they still produce valid rows.
    terms = make_terms(make_partner(cast.org_a))
    terms.full_clean()
    make_objective(make_programme(cast.org_a)).full_clean()
    assert today() >= terms.agreed_on
