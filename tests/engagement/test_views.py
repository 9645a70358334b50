"""The pages that change things, end to end through the forms: the happy paths and bad input."""

import datetime

import pytest
from django.urls import reverse

from involve.audit.models import AuditEvent
from involve.engagement.models import Activity, AudienceTag, Decision, LegalDuty, Programme, VCSEPartner

from .factories import (
    days,
    make_activity,
    make_decision,
    make_evidence,
    make_objective,
    make_partner,
    make_programme,
    make_tag,
)

pytestmark = pytest.mark.django_db


def date(prefix, d):
    return {f"{prefix}-day": str(d.day), f"{prefix}-month": str(d.month), f"{prefix}-year": str(d.year)}


@pytest.fixture
def lead(cast, client_for):
    return client_for(cast.a_engagement_lead)


def test_record_screen_and_evidence_a_decision(cast, lead):
    programme = make_programme(cast.org_a)
    response = lead.post(
        reverse("engagement:decision_add"),
        {
            "title": "Close the birth centre",
            "kind": "service_change",
            "programme": programme.pk,
            "decision_maker": "ICB Board",
            **date("planned_date", days(45)),
        },
    )
    decision = Decision.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "engagement:decision_detail", args=[decision.pk]
    )
    assert decision.organisation == cast.org_a and decision.planned_date == days(45)
    page = lead.get(reverse("engagement:decision_screen", args=[decision.pk])).content.decode()
    icb_duty = LegalDuty.objects.get(code="s14Z45")
    assert "s14Z45" in page and "s14Z2:" not in page and "s242" not in page  # only duties in force for an ICB
    carers = AudienceTag.objects.get(name="Carers")
    response = lead.post(
        reverse("engagement:decision_screen", args=[decision.pk]),
        {
            "affects_services": "yes",
            "affects_rationale": "Where people give birth",
            "duties": [icb_duty.pk],
            "substantial_variation": "yes",
            "plan_audiences": [carers.pk],
            "plan_methods": ["survey", "workshop"],
            **date("plan_starts", days(1)),
            **date("plan_ends", days(30)),
            "duty_status": "plan_in_progress",
        },
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.duty_status == "plan_in_progress" and decision.plan_methods == ["survey", "workshop"]
    assert decision.screened_by == cast.a_engagement_lead
    assert AuditEvent.objects.filter(action="decision.screen", target_id=str(decision.pk)).exists()
    html = lead.get(reverse("engagement:decision_detail", args=[decision.pk])).content.decode()
    assert "No involvement evidence" in html and "Carers" in html and "Workshop" in html


def test_log_an_activity_for_a_decision_and_give_feedback(cast, lead):
    org = cast.org_a
    decision, partner, tag = make_decision(org), make_partner(org), make_tag(org)
    form = lead.get(reverse("engagement:activity_add"), {"decision": decision.pk}).content.decode()
    assert f'value="{decision.pk}" checked' in form
    response = lead.post(
        reverse("engagement:activity_add"),
        {
            "title": "Drop-in",
            "method": "outreach",
            "ladder_level": "involve",
            "state": "done",
            **date("starts_on", days(-7)),
            "decisions": [decision.pk],
            "partners": [partner.pk],
            "audiences_targeted": [tag.pk],
            "public_partners": "2",
            "participants": "40",
            "cost": "120.50",
            "online": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    activity = Activity.objects.get()
    assert list(activity.decisions.all()) == [decision] and activity.online and activity.participants == 40
    response = lead.post(
        reverse("engagement:activity_feedback", args=[activity.pk]),
        {
            "feedback_what": "What changed",
            "feedback_how": "Letter",
            **date("feedback_given_on", days(-1)),
        },
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.feedback_given_on == days(-1)


def test_feedback_needs_all_three_answers(cast, lead):
    activity = make_activity(cast.org_a)
    response = lead.post(reverse("engagement:activity_feedback", args=[activity.pk]), {"feedback_what": "x"})
    html = response.content.decode()
    assert response.status_code == 400 and "There is a problem" in html
    assert html.count("nhsuk-error-message") >= 2


def test_dates_out_of_order_are_explained_and_what_was_typed_is_kept(cast, lead):
    response = lead.post(
        reverse("engagement:activity_add"),
        {
            "title": "Kept title =1+1",
            "method": "survey",
            "ladder_level": "consult",
            **date("starts_on", days(-1)),
            **date("ends_on", days(-10)),
            "outputs": "Kept outputs",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in html and "The end date must be on or after the start date" in html
    assert 'href="#ends_on-day"' in html  # the error summary links to the field
    assert "Kept title =1+1" in html and "Kept outputs" in html
    assert f'value="{days(-10).year}"' in html
    assert not Activity.objects.exists()


def test_a_future_date_taken_is_refused(cast, lead):
    response = lead.post(
        reverse("engagement:decision_add"),
        {"title": "x", "kind": "operational", **date("actual_date", days(3))},
    )
    assert "cannot be in the future" in response.content.decode()
    assert not Decision.objects.exists()


@pytest.mark.parametrize(
    "day, message",
    [
        (("31", "2", "2025"), "must be a real date"),
        (("1", "", "2025"), "must include a day, month and year"),
        (("1", "2", "25"), "Year must include 4 numbers"),
    ],
)
def test_bad_dates(cast, lead, day, message):
    d, m, y = day
    response = lead.post(
        reverse("engagement:decision_add"),
        {
            "title": "x",
            "kind": "operational",
            "planned_date-day": d,
            "planned_date-month": m,
            "planned_date-year": y,
        },
    )
    assert message in response.content.decode()
    assert not Decision.objects.exists()


def test_plan_dates_out_of_order_in_the_screening(cast, lead):
    decision = make_decision(cast.org_a)
    response = lead.post(
        reverse("engagement:decision_screen", args=[decision.pk]),
        {
            "affects_services": "yes",
            "affects_rationale": "x",
            "substantial_variation": "not_yet",
            "duty_status": "plan_in_progress",
            **date("plan_starts", days(10)),
            **date("plan_ends", days(2)),
        },
    )
    assert "The date involvement ends must be on or after the date it starts" in response.content.decode()
    decision.refresh_from_db()
    assert decision.duty_status == "not_screened"


def test_a_contradictory_screening_comes_back_as_a_field_error(cast, lead):
    decision = make_decision(cast.org_a)
    response = lead.post(
        reverse("engagement:decision_screen", args=[decision.pk]),
        {
            "affects_services": "yes",
            "affects_rationale": "Moves a clinic",
            "substantial_variation": "no",
            "duty_status": "not_applicable",
        },
    )
    html = response.content.decode()
    assert "so the duty to involve applies" in html and 'href="#id_duty_status' in html
    assert "Moves a clinic" in html


def test_terms_review_before_agreement_is_refused(cast, lead):
    partner = make_partner(cast.org_a)
    response = lead.post(
        reverse("engagement:terms_add", args=[partner.pk]),
        {"version": "1", **date("agreed_on", days(-1)), **date("review_on", days(-30))},
    )
    assert "The review date must be on or after" in response.content.decode()
    assert not partner.terms.exists()


def test_another_organisations_ids_are_invalid_choices(cast, lead):
    b = cast.org_b
    b_programme, b_decision, b_partner, b_tag = (
        make_programme(b, "Beta"),
        make_decision(b),
        make_partner(b),
        make_tag(b),
    )
    response = lead.post(
        reverse("engagement:activity_add"),
        {
            "title": "x",
            "method": "survey",
            "ladder_level": "consult",
            **date("starts_on", days(-1)),
            "programme": b_programme.pk,
            "decisions": [b_decision.pk],
            "partners": [b_partner.pk],
            "audiences_targeted": [b_tag.pk],
            "audiences_reached": [b_tag.pk],
            "public_partners": "0",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert html.count("from the list") + html.count("Select only options listed") >= 5
    assert not Activity.objects.filter(organisation=cast.org_a).exists()
    response = lead.post(
        reverse("engagement:decision_add"), {"title": "x", "kind": "operational", "programme": b_programme.pk}
    )
    assert "Select programme from the list" in response.content.decode()
    decision = make_decision(cast.org_a)
    response = lead.post(
        reverse("engagement:decision_screen", args=[decision.pk]),
        {
            "affects_services": "not_yet",
            "substantial_variation": "not_yet",
            "duty_status": "not_screened",
            "plan_audiences": [b_tag.pk],
        },
    )
    assert "Select only options listed for audiences to involve" in response.content.decode()
    objective_form = lead.post(
        reverse("engagement:objective_add", args=[make_programme(cast.org_a).pk]),
        {"title": "x", "status": "on_track", "owner": cast.b_administrator.pk},
    )
    assert "Select owner from the list" in objective_form.content.decode()


def test_forms_offer_only_the_organisations_own_choices(cast, lead):
    make_programme(cast.org_b, "Beta programme")
    make_partner(cast.org_b, "Beta partner")
    make_tag(cast.org_b, "Beta audience")
    make_decision(cast.org_b, "Beta decision")
    make_tag(cast.org_a, "Retired audience", active=False)
    html = lead.get(reverse("engagement:activity_add")).content.decode()
    for text in ("Beta programme", "Beta partner", "Beta audience", "Beta decision", "Retired audience"):
        assert text not in html
    assert "People experiencing homelessness" in html  # national audiences are offered


def test_a_retired_audience_stays_on_the_activities_that_used_it(cast, lead):
    tag = make_tag(cast.org_a, "Retired audience", active=False)
    activity = make_activity(cast.org_a)
    activity.audiences_reached.add(tag)
    html = lead.get(reverse("engagement:activity_edit", args=[activity.pk])).content.decode()
    assert "Retired audience" in html


def test_formula_text_is_stored_as_typed(cast, lead):
    lead.post(reverse("engagement:programme_add"), {"name": '=HYPERLINK("x")', "description": "@SUM(1)"})
    programme = Programme.objects.get()
    assert programme.name == '=HYPERLINK("x")' and programme.description == "@SUM(1)"


def test_edit_and_delete_pages(cast, lead):
    programme = make_programme(cast.org_a)
    objective = make_objective(programme)
    partner = make_partner(cast.org_a)
    decision = make_decision(cast.org_a)
    assert (
        lead.post(
            reverse("engagement:decision_edit", args=[decision.pk]),
            {"title": "Renamed", "kind": "operational"},
        ).status_code
        == 302
    )
    assert Decision.objects.get().title == "Renamed"
    assert lead.post(reverse("engagement:decision_delete", args=[decision.pk])).status_code == 302
    assert not Decision.objects.exists()
    assert lead.post(reverse("engagement:objective_delete", args=[objective.pk])).status_code == 302
    assert lead.post(reverse("engagement:programme_delete", args=[programme.pk])).status_code == 302
    assert lead.post(reverse("engagement:partner_delete", args=[partner.pk])).status_code == 302
    assert not Programme.objects.exists() and not VCSEPartner.objects.exists()


def test_a_refused_delete_explains_why_and_keeps_the_record(cast, lead):
    decision = make_decision(cast.org_a)
    make_evidence(decision)
    response = lead.post(reverse("engagement:decision_delete", args=[decision.pk]))
    assert response.status_code == 400 and "1 piece of evidence" in response.content.decode()
    assert Decision.objects.filter(pk=decision.pk).exists()


def test_audiences_page_and_adding_one(cast, lead):
    response = lead.post(reverse("engagement:audience_add"), {"name": "Kinship carers", "active": "on"})
    assert response.status_code == 302
    html = lead.get(reverse("engagement:audience_list")).content.decode()
    assert "Kinship carers" in html and "Sex workers" in html
    response = lead.post(reverse("engagement:audience_add"), {"name": "Carers", "active": "on"})
    assert "already a national audience" in response.content.decode()


def test_timelines_are_in_date_order(cast, client_for):
    org = cast.org_a
    programme = make_programme(org)
    objective = make_objective(programme, target_date=days(100))
    from .factories import make_milestone

    make_milestone(objective, "Milestone M", due_date=days(50))
    decision = make_decision(org, programme=programme, actual_date=days(-10), planned_date=days(-20))
    make_activity(
        org,
        "Activity A",
        programme=programme,
        decisions=[decision],
        starts_on=days(-40),
        feedback_given_on=days(-5),
        feedback_how="Letter",
    )
    make_evidence(decision, "Evidence E", dated=days(-30))
    client = client_for(cast.region_reader)
    html = client.get(reverse("engagement:decision_timeline", args=[decision.pk])).content.decode()
    order = [
        "Activity A",
        "Evidence E",
        "Decision originally planned",
        "Decision taken",
        "Feedback to participants",
    ]
    positions = [html.index(text) for text in order]
    assert positions == sorted(positions)
    html = client.get(reverse("engagement:programme_timeline", args=[programme.pk])).content.decode()
    positions = [html.index(text) for text in order + ["Milestone M", "Objective target date"]]
    assert positions == sorted(positions)


def test_a_linked_duty_no_longer_in_force_is_shown_and_must_be_unticked(cast, lead):
    # Screened under s14Z45, then the decision was found to date from before ICBs existed.
    icb_duty = LegalDuty.objects.get(code="s14Z45")
    decision = make_decision(cast.org_a, planned_date=datetime.date(2022, 5, 1))
    decision.duties.set([icb_duty])
    url = reverse("engagement:decision_screen", args=[decision.pk])
    page = lead.get(url).content.decode()
    assert "s14Z45: " in page and "(not in force for this decision)" in page
    answers = {
        "affects_services": "yes",
        "affects_rationale": "Where people give birth",
        "substantial_variation": "no",
        "duty_status": "plan_in_progress",
    }
    refused = lead.post(url, {**answers, "duties": [icb_duty.pk]})
    assert refused.status_code == 400
    assert "s14Z45 does not apply to your organisation on the date of the decision" in refused.content.decode()
    assert list(decision.duties.all()) == [icb_duty]
    assert lead.post(url, answers).status_code == 302
    assert list(decision.duties.all()) == []


def test_moving_an_activity_to_start_after_its_feedback_is_refused_with_a_message(cast, lead):
    # Issue 8 item 5: the rule that feedback comes after the start is the model's, on a field the
    # activity form does not show, so it comes back as an error at the top of the form, not a 500.
    from ..project.test_forms import as_submitted, database_state, main_form

    activity = make_activity(
        cast.org_a, starts_on=days(-30), state="done", feedback_what="What we heard", feedback_given_on=days(-20)
    )
    url = reverse("engagement:activity_edit", args=[activity.pk])
    data = {**as_submitted(main_form(lead.get(url).content.decode())), **date("starts_on", days(-10))}
    before = database_state()
    response = lead.post(url, data)
    assert response.status_code == 400
    assert "Feedback can only be given once the activity has started" in response.content.decode()
    assert database_state() == before
    # Likewise back to "planned" once feedback is recorded (the feedback is on another form).
    response = lead.post(url, {**data, **date("starts_on", days(-30)), "state": ["planned"]})
    assert response.status_code == 400
    assert "can be recorded only once the activity has taken place" in response.content.decode()
    assert database_state() == before
