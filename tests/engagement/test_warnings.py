"""The four warnings on decisions, computed in the query (selectors.with_warnings)."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from involve.engagement import evidence, services
from involve.engagement.models import Decision, WarningsNotLoaded
from involve.engagement.selectors import WARNING_WINDOW_DAYS, filter_warning, involvement_facts, with_warnings

from .factories import TODAY, days, make_activity, make_decision, make_evidence

pytestmark = pytest.mark.django_db


def codes(decision):
    annotated = with_warnings(Decision.objects.filter(pk=decision.pk), today=TODAY).get()
    return [w.code for w in annotated.warnings]


def duty(org, **fields):
    fields.setdefault("affects_services", "yes")
    return make_decision(org, **fields)


# (a) the duty applies, the decision is near or past, and there is no involvement evidence


@pytest.mark.parametrize(
    "offset, warned",
    [
        (WARNING_WINDOW_DAYS - 1, True),
        (WARNING_WINDOW_DAYS, True),
        (WARNING_WINDOW_DAYS + 1, False),
        (0, True),
        (-400, True),
    ],
)
def test_no_evidence_depends_on_how_near_the_planned_date_is(cast, offset, warned):
    decision = duty(cast.org_a, planned_date=days(offset))
    assert ("no_evidence" in codes(decision)) is warned


def test_the_actual_date_wins_over_the_planned_one(cast):
    decision = duty(cast.org_a, planned_date=days(200), actual_date=days(-1))
    assert codes(decision) == ["no_evidence"]


@pytest.mark.parametrize("answer", ["no", "not_yet"])
def test_no_evidence_only_when_the_duty_applies(cast, answer):
    assert codes(duty(cast.org_a, affects_services=answer, planned_date=days(5))) == []


def test_no_evidence_without_any_date_is_not_flagged(cast):
    assert codes(duty(cast.org_a)) == []


def test_a_linked_activity_or_evidence_counts_as_involvement(cast):
    with_activity = duty(cast.org_a, planned_date=days(5), title="a")
    make_activity(cast.org_a, decisions=[with_activity], starts_on=days(-10), feedback_given_on=days(-1))
    with_evidence = duty(cast.org_a, planned_date=days(5), title="b")
    make_evidence(with_evidence, dated=days(-3))
    assert codes(with_activity) == [] and codes(with_evidence) == []


def test_another_decisions_activity_does_not_count(cast):
    decision = duty(cast.org_a, planned_date=days(5))
    make_activity(cast.org_a, decisions=[duty(cast.org_a, title="Other")])
    assert codes(decision) == ["no_evidence"]


# (b) evidence or a linked activity dated after the decision


def test_evidence_dated_after_the_decision(cast):
    decision = make_decision(cast.org_a, actual_date=days(-30))
    make_evidence(decision, dated=days(-29))
    assert codes(decision) == ["late_evidence"]


def test_evidence_on_the_decision_day_is_not_late(cast):
    decision = make_decision(cast.org_a, actual_date=days(-30))
    make_evidence(decision, dated=days(-30))
    assert codes(decision) == []


def test_a_linked_activity_starting_after_the_decision(cast):
    decision = make_decision(cast.org_a, planned_date=days(10))
    make_activity(cast.org_a, decisions=[decision], starts_on=days(11))
    assert codes(decision) == ["late_evidence"]


def test_evidence_on_a_linked_activity_dated_after_the_decision(cast):
    decision = make_decision(cast.org_a, actual_date=days(-30))
    activity = make_activity(cast.org_a, decisions=[decision], starts_on=days(-60), feedback_given_on=days(-20))
    make_evidence(activity, dated=days(-10))
    assert codes(decision) == ["late_evidence"]


def test_late_evidence_is_a_warning_not_a_block(cast, client_for):
    decision = make_decision(cast.org_a, actual_date=days(-30))
    make_evidence(decision, dated=days(-1))
    html = client_for(cast.a_viewer).get(reverse("engagement:decision_detail", args=[decision.pk])).content.decode()
    assert "Evidence dated after the decision" in html


# (c) feedback to participants missing


def test_feedback_missing_once_the_decision_is_taken(cast):
    decision = make_decision(cast.org_a, actual_date=days(-5))
    make_activity(cast.org_a, decisions=[decision], starts_on=days(-50))
    assert codes(decision) == ["no_feedback"]


def test_feedback_missing_once_involvement_is_complete(cast):
    decision = make_decision(cast.org_a, planned_date=days(100), duty_status="involvement_complete")
    make_activity(cast.org_a, decisions=[decision], starts_on=days(-50))
    assert codes(decision) == ["no_feedback"]


def test_no_feedback_warning_before_the_decision_while_involvement_goes_on(cast):
    decision = make_decision(cast.org_a, planned_date=days(100), duty_status="plan_in_progress")
    make_activity(cast.org_a, decisions=[decision], starts_on=days(-50))
    assert codes(decision) == []


def test_feedback_given_on_every_linked_activity_clears_it(cast):
    decision = make_decision(cast.org_a, actual_date=days(-5))
    make_activity(cast.org_a, decisions=[decision], starts_on=days(-50), feedback_given_on=days(-2))
    assert codes(decision) == []
    make_activity(cast.org_a, "Second", decisions=[decision], starts_on=days(-40))
    assert codes(decision) == ["no_feedback"]


def test_a_compliant_decision_has_no_warnings_and_several_can_show_at_once(cast):
    good = duty(cast.org_a, actual_date=days(-10), title="Good")
    make_activity(cast.org_a, decisions=[good], starts_on=days(-60), feedback_given_on=days(-1))
    make_evidence(good, dated=days(-40))
    assert codes(good) == []
    bad = duty(cast.org_a, actual_date=days(-10), title="Bad")
    make_activity(cast.org_a, decisions=[bad], starts_on=days(-5))
    assert codes(bad) == ["late_evidence", "no_feedback"]


def test_filtering_by_warning(cast):
    near = duty(cast.org_a, planned_date=days(5), title="Near")
    fine = make_decision(cast.org_a, title="Fine")
    annotated = with_warnings(Decision.objects.all(), today=TODAY)
    assert list(filter_warning(annotated, "any")) == [near]
    assert list(filter_warning(annotated, "no_evidence")) == [near]
    assert list(filter_warning(annotated, "no_feedback")) == []
    assert set(filter_warning(annotated, "bogus")) == {near, fine}


def test_warnings_show_on_the_decision_page_with_an_explanation(cast, client_for):
    decision = duty(cast.org_a, planned_date=days(5))
    html = client_for(cast.a_viewer).get(reverse("engagement:decision_detail", args=[decision.pk])).content.decode()
    assert "No involvement evidence" in html and "no activity is linked" in html


def test_reading_the_warnings_of_a_decision_fetched_without_them_raises(cast):
    # Saying "no warnings" for a decision whose warnings were never worked out would be a guess.
    decision = duty(cast.org_a, planned_date=days(5))
    with pytest.raises(WarningsNotLoaded):
        Decision.objects.get(pk=decision.pk).warnings
    assert [w.code for w in Decision.objects.with_warnings().get(pk=decision.pk).warnings] == ["no_evidence"]


# (d) a substantial variation whose scrutiny committee was not consulted before the decision


@pytest.mark.parametrize(
    "consulted, warned",
    [(None, True), (days(-30), False), (days(-10), False), (days(-9), True)],
)
def test_scrutiny_must_be_consulted_by_the_decision_date(cast, consulted, warned):
    decision = make_decision(
        cast.org_a, substantial_variation="yes", actual_date=days(-10), scrutiny_consulted_on=consulted
    )
    assert ("no_scrutiny" in codes(decision)) is warned


def test_scrutiny_is_only_asked_of_substantial_variations_that_are_near(cast):
    assert codes(make_decision(cast.org_a, substantial_variation="no", planned_date=days(5), title="a")) == []
    assert codes(make_decision(cast.org_a, substantial_variation="yes", title="undated")) == []
    far = make_decision(cast.org_a, substantial_variation="yes", planned_date=days(WARNING_WINDOW_DAYS + 1))
    assert codes(far) == []
    assert list(filter_warning(with_warnings(Decision.objects.all(), today=TODAY), "any")) == []


# The facts the warnings read are stored on the decision: every service that changes activities or
# evidence must keep them equal to what the activities and evidence say.

FACTS = ["involvement_count", "last_involvement_on", "activities_without_feedback"]


def stored_and_fresh(decision):
    fresh = {f"fresh_{k}": v for k, v in involvement_facts().items()}
    row = Decision.objects.filter(pk=decision.pk).annotate(**fresh).values(*FACTS, *fresh).get()
    return tuple(row[k] for k in FACTS), tuple(row[f"fresh_{k}"] for k in FACTS)


def test_every_service_keeps_the_stored_involvement_facts_true(cast):
    lead, org = cast.a_engagement_lead, cast.org_a
    first = services.decision_create(
        by=lead, organisation=org, title="First", kind="service_change", actual_date=days(-10)
    )
    second = services.decision_create(
        by=lead, organisation=org, title="Second", kind="service_change", actual_date=days(-10)
    )

    def check(expect_first, expect_second):
        for decision, expected in ((first, expect_first), (second, expect_second)):
            stored, fresh = stored_and_fresh(decision)
            assert stored == fresh == expected, decision.title

    check((0, None, 0), (0, None, 0))
    activity = services.activity_create(
        by=lead,
        organisation=org,
        decisions=[first],
        title="Workshop",
        method="workshop",
        ladder_level="involve",
        state="done",
        starts_on=days(-40),
    )
    check((1, days(-40), 1), (0, None, 0))
    services.activity_update(by=lead, activity=activity, decisions=[second], starts_on=days(-5))
    check((0, None, 0), (1, days(-5), 1))
    services.activity_record_feedback(
        by=lead, activity=activity, feedback_what="What we heard", feedback_given_on=days(-2), feedback_how="Email"
    )
    check((0, None, 0), (1, days(-5), 0))
    note = evidence.evidence_add_link(
        by=lead, owner=activity, url="https://example.org/a", title="Notes", dated=days(-3)
    )
    check((0, None, 0), (1, days(-3), 0))
    paper = evidence.evidence_add_link(
        by=lead, owner=first, url="https://example.org/b", title="Paper", dated=days(-30)
    )
    check((1, days(-30), 0), (1, days(-3), 0))
    evidence.evidence_delete(by=lead, evidence=note)
    evidence.evidence_delete(by=lead, evidence=paper)
    check((0, None, 0), (1, days(-5), 0))
    services.activity_delete(by=lead, activity=activity)
    check((0, None, 0), (0, None, 0))


def test_the_migration_fills_the_facts_of_existing_decisions(cast):
    decision = make_decision(cast.org_a, actual_date=days(-10))
    make_activity(cast.org_a, decisions=[decision], starts_on=days(-40))
    Decision.objects.filter(pk=decision.pk).update(involvement_count=0, last_involvement_on=None)
    fill = importlib.import_module("involve.engagement.migrations.0003_decision_involvement_facts")
    fill.fill_involvement_facts(django_apps, None)
    assert stored_and_fresh(decision) == ((1, days(-40), 1), (1, days(-40), 1))
