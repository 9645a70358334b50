"""The consultation builder in a real browser: an engagement lead adds a consultation, adds a choice
question and a question shown only after one of its answers, sees the condition in words, and
publishes it. Every page on the way is checked with axe (browse.check)."""

import datetime
import re

import pytest
from django.utils import timezone

from involve.consultations.models import Consultation

from .conftest import sign_in
from .test_decision_journey import fill_date, submit

pytestmark = pytest.mark.e2e

SCREENSHOT = "/tmp/consultation-builder.png"


def test_an_engagement_lead_builds_and_publishes_a_consultation(browse, cast):
    page = browse.new_page()
    sign_in(page, cast.a_engagement_lead)
    today = timezone.localdate()

    # 1. The consultation, open from today at 09:00 (UK time) for four weeks.
    page.goto("/consultations/")
    browse.check(page, "consultation list", key="consultation list")
    page.get_by_role("button", name="Add a consultation or survey").click()
    browse.check(page, "add a consultation", key="add a consultation")
    page.get_by_label("Title", exact=True).fill("Future of Elm Street clinic")
    page.get_by_label("Survey", exact=True).check()
    page.get_by_label("Summary (optional)").fill("We want to hear what you think about moving the clinic.")
    fill_date(page, "opens_on", today)
    page.get_by_label("Opening time (optional)").fill("00:00")
    fill_date(page, "closes_on", today + datetime.timedelta(days=28))
    page.get_by_label("Closing time (optional)").fill("5pm")
    submit(page)
    consultation = Consultation.objects.get(title="Future of Elm Street clinic")
    assert consultation.slug == "future-of-elm-street-clinic" and consultation.state == "draft"
    assert timezone.localtime(consultation.closes_at).strftime("%H:%M") == "17:00"
    browse.check(page, "consultation page (draft)", key="consultation page (draft)")

    # 2. A choice question, then one shown only after two of its answers.
    page.get_by_role("button", name="Add a question").click()
    browse.check(page, "add a question", key="add a question")
    page.get_by_label("Choose one", exact=True).check()
    page.get_by_label("Question", exact=True).fill("How do you get to the clinic?")
    page.get_by_label("Options, one on each line (optional)").fill("Car\nBus\nWalk")
    page.get_by_label("People must answer it").check()
    submit(page)
    page.get_by_role("button", name="Add a question").click()
    page.get_by_label("Free text", exact=True).check()
    page.get_by_label("Question", exact=True).fill("What would make the journey easier?")
    page.get_by_label("Show it only after an answer to (optional)").select_option(
        label="Q1: How do you get to the clinic?"
    )
    page.get_by_label("Q1: Car", exact=True).check()
    page.get_by_label("Q1: Bus", exact=True).check()
    submit(page)
    assert "Shown only if ‘Q1’ is ‘Car’ or ‘Bus’" in page.content()
    browse.check(page, "consultation page with questions", key="consultation page with questions")
    why = consultation.questions.get(code="q2")
    assert why.condition_question.code == "q1" and why.condition_values == ["c1", "c2"]

    # 3. Publish it.
    page.get_by_role("button", name="Publish", exact=True).click()
    browse.check(page, "publish", key="publish")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish it").click()
    consultation.refresh_from_db()
    assert consultation.state == "published" and consultation.is_open()
    assert re.search(r"has been published", page.content())
    page.screenshot(path=SCREENSHOT, full_page=True)
    browse.check(page, "consultation page (published)", key="consultation page (published)")
    browse.assert_clean()
