"""The main forms in Chromium: opening a record whose "choose several" questions hold several values and
pressing Save changes nothing, and ticking more boxes keeps every tick. (tests/project/test_forms.py does the
same for every form through the rendered HTML; this checks what a real browser submits.)"""

import pytest

from involve.audit.models import AuditEvent
from involve.engagement.models import Activity, AudienceTag, Decision, LegalDuty, Method
from involve.engagement.services import refresh_involvement

from ..engagement import factories
from ..project.test_forms import database_state
from .conftest import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def rich(cast):
    org = cast.org_a
    tags = list(AudienceTag.objects.filter(organisation=None).order_by("name")[:3])
    duties = [d for d in LegalDuty.objects.valid_on(factories.TODAY) if d.applies_to_kind(org.kind)][:2]
    decision = factories.make_decision(org, title="Hubs", programme=factories.make_programme(org))
    Decision.objects.filter(pk=decision.pk).update(
        affects_services="yes",
        affects_rationale="It moves services",
        duty_status="plan_in_progress",
        plan_methods=[Method.WORKSHOP, Method.SURVEY],
    )
    decision.duties.set(duties)
    decision.plan_audiences.set(tags[:2])
    decision.affected_organisations.set([cast.org_b, cast.org_a_trust])
    second = factories.make_decision(org, title="Second decision")
    activity = factories.make_activity(org, title="Drop-in", decisions=[decision, second])
    activity.partners.set([factories.make_partner(org, "First partner"), factories.make_partner(org, "Second")])
    activity.audiences_targeted.set(tags[:2])
    activity.audiences_reached.set(tags[1:])
    Activity.objects.filter(pk=activity.pk).update(participants=12)
    refresh_involvement([decision.pk, second.pk])
    return decision, activity


@pytest.mark.parametrize(
    ("form", "groups"),
    [
        ("decision_edit", ["affected_organisations"]),
        ("decision_screen", ["duties", "plan_audiences", "plan_methods"]),
        ("activity_edit", ["decisions", "partners", "audiences_targeted", "audiences_reached"]),
    ],
)
def test_an_unchanged_save_in_chromium_changes_nothing_and_more_ticks_are_kept(browse, cast, rich, form, groups):
    decision, activity = rich
    record = activity if form.startswith("activity") else decision
    url = f"/engagement/{'activities' if record is activity else 'decisions'}/{record.pk}/"
    url += {"decision_edit": "edit/", "decision_screen": "screen/", "activity_edit": "edit/"}[form]
    page = browse.new_page()
    sign_in(page, cast.a_engagement_lead)

    page.goto(url)
    browse.check(page, f"{form} with several ticks", key=f"round trip {form}")
    for group in groups:
        assert page.locator(f'input[type="checkbox"][name="{group}"]:checked').count() >= 2, group
    before = database_state()
    with page.expect_navigation():
        page.locator("#main-form button").last.click()
    assert "/edit/" not in page.url and "/screen/" not in page.url, page.content()[:2000]
    assert database_state() == before

    page.goto(url)
    for group in groups:
        boxes = page.locator(f'input[type="checkbox"][name="{group}"]')
        for i in range(boxes.count()):
            boxes.nth(i).check()
    events = AuditEvent.objects.count()
    with page.expect_navigation():
        page.locator("#main-form button").last.click()
    page.goto(url)
    for group in groups:
        boxes = page.locator(f'input[type="checkbox"][name="{group}"]')
        assert boxes.count() == page.locator(f'input[type="checkbox"][name="{group}"]:checked').count(), group
    assert AuditEvent.objects.count() == events + 1
