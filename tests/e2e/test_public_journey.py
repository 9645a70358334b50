"""The issue's "done when" for the public: a member of the public, not signed in, answers a long survey
with conditional questions in Chromium, saves it, comes back in a fresh browser with the resume link,
finishes, checks their answers and sends them, and sees their reference. Every public page on the way
is checked with axe, also at 320 px wide (with the reflow check). Then staff see the response with
every tick kept."""

import re

import pytest
from django.urls import reverse

from involve.consultations import submission
from involve.consultations.models import Consultation, Response
from involve.equality.models import EqualityRecord

from ..consultations.surveys import long_survey
from .conftest import sign_in
from .test_accessibility import NARROW, check_reflow

pytestmark = pytest.mark.e2e
WIDE = {"width": 1280, "height": 900}
SHOTS = "/tmp/public-journey"


def both_widths(browse, page, label, seen, shot=None):
    """axe at the normal width and at 320 px, and the reflow check at 320 px."""
    browse.check(page, label)
    if shot:
        page.screenshot(path=f"{SHOTS}-{shot}.png", full_page=True)
    page.set_viewport_size(NARROW)
    check_reflow(browse, page, label, seen)
    browse.check(page, f"{label} at 320 px")
    if shot:
        page.screenshot(path=f"{SHOTS}-{shot}-320.png", full_page=True)
    page.set_viewport_size(WIDE)


def press(page, text):
    with page.expect_navigation():
        page.get_by_role("button", name=text).click()


def test_a_member_of_the_public_answers_a_long_survey_saves_resumes_and_sends_it(browse, world):
    q = long_survey(world.org_a, paging=Consultation.Paging.SECTION)
    c = q.consultation
    seen = set()
    person = browse.new_page()
    person.set_viewport_size(WIDE)

    person.goto(reverse("have_your_say:hub", kwargs={"org": world.org_a.pk}))
    both_widths(browse, person, "hub", seen, shot="hub")
    with person.expect_navigation():
        person.get_by_role("link", name=c.title).click()
    both_widths(browse, person, "consultation page", seen, shot="consultation")
    with person.expect_navigation():
        person.get_by_role("button", name="Start now").click()

    # Page 1: a required question, several ticks, a rating. Sent empty first: the errors, in NHS style.
    both_widths(browse, person, "page 1", seen)
    press(person, "Continue")
    assert person.locator(".nhsuk-error-summary").is_visible()
    assert "Select your answer to “Have you been to the Elm Street clinic?”" in person.content()
    both_widths(browse, person, "page 1 with errors", seen, shot="errors")
    person.locator('input[name="q_visited"][value="yes"]').check()
    for key in ("gp", "bloods", "physio"):
        person.locator(f'input[name="q_services"][value="{key}"]').check()
    person.locator('input[name="q_rating"][value="4"]').check()
    press(person, "Continue")

    # Page 2 is the section only for those who visited; parking is asked only of those who drive.
    assert "Getting there" in person.content()
    both_widths(browse, person, "page 2 (conditional section)", seen, shot="page2")
    person.locator('input[name="q_travel"][value="car"]').check()
    person.fill('textarea[name="q_parking"]', "Hard to find a space <b>after 9</b>")
    person.fill('input[name="q_postcode"]', "ls1 4ap")
    press(person, "Save and come back later")

    # The resume link, shown once.
    assert "/saved/" in person.url
    both_widths(browse, person, "saved", seen, shot="saved")
    link = person.locator(".nhsuk-inset-text a").first.get_attribute("href")
    assert "/have-your-say/answers/" in link

    # Later, in another browser: the link alone brings the answers back.
    later = browse.new_page()
    later.set_viewport_size(WIDE)
    later.goto(link)
    assert later.locator('input[name="q_travel"][value="car"]').is_checked()
    assert "after 9" in later.locator('textarea[name="q_parking"]').input_value()
    both_widths(browse, later, "page 2 resumed", seen)
    press(later, "Continue")

    # Page 3: a grid, a ranking (no JavaScript needed), scales, FFT and text.
    assert "Your experience" in later.content()
    later.locator('input[name="q_grid_s1"][value="agree"]').check()
    later.locator('input[name="q_grid_s2"][value="strongly_agree"]').check()
    later.select_option('select[name="q_ranking_near"]', "1")
    later.select_option('select[name="q_ranking_time"]', "1")  # the same rank twice: refused
    later.locator('input[name="q_agree"][value="disagree"]').check()
    later.locator('input[name="q_fft"][value="good"]').check()
    later.fill('input[name="q_ward"]', "Ward 3")
    later.fill('textarea[name="q_comments"]', "Thank you")
    press(later, "Continue")
    assert "Use each rank only once" in later.content()
    assert later.locator('input[name="q_fft"][value="good"]').is_checked()  # nothing lost
    both_widths(browse, later, "page 3 with a rank used twice", seen, shot="page3-error")
    later.select_option('select[name="q_ranking_time"]', "2")
    later.select_option('select[name="q_ranking_staff"]', "3")
    press(later, "Continue")

    # About you: the equality questions on their own page, every one with "Prefer not to say".
    assert "/about-you/" in later.url
    both_widths(browse, later, "about you", seen, shot="about-you")
    assert later.locator('input[value="prefer_not"]').count() >= 10
    later.locator('input[name="eq_age_band"][value="35_44"]').check()
    later.locator('input[name="eq_sex"][value="prefer_not"]').check()
    later.locator('input[name="eq_consent"]').check()
    press(later, "Continue")

    # Check your answers, with a Change link to each page.
    assert "/check/" in later.url
    both_widths(browse, later, "check your answers", seen, shot="check")
    text = later.locator("main").inner_text()
    for shown in ("GP", "Blood tests", "Physiotherapy", "1. Close to home", "2. Short waits", "LS1 4AP", "35 to 44"):
        assert shown in text, shown
    assert "Why have you not been?" not in text  # not asked: they said they had been
    assert later.locator("main").get_by_role("link", name=re.compile("^Change")).count() >= 12
    press(later, "Send my response")

    assert "/confirmation/" in later.url
    both_widths(browse, later, "confirmation", seen, shot="confirmation")
    response = Response.objects.get(consultation=c)
    assert response.reference in later.locator(".nhsuk-panel").inner_text()
    stored = submission.stored_answers(response)
    assert stored["services"] == ["gp", "bloods", "physio"]
    assert stored["grid"] == {"s1": "agree", "s2": "strongly_agree"}
    assert stored["ranking"] == ["near", "time", "staff"]
    assert stored["parking"] == "Hard to find a space <b>after 9</b>"
    assert stored["postcode"] == "LS1 4AP" and stored["rating"] == 4 and stored["fft"] == "good"
    assert "why_not" not in stored
    record = EqualityRecord.objects.get(subject_kind="consultation_response", subject_id=response.pk)
    assert record.age_band == "35_44" and record.sex == "prefer_not" and record.consented

    # The resume link is spent; the closed and privacy pages read well too.
    later.goto(link)
    assert "This link no longer works" in later.content()
    both_widths(browse, later, "spent resume link", seen)
    later.goto(reverse("have_your_say:privacy", kwargs={"org": c.organisation_id, "slug": c.slug}))
    both_widths(browse, later, "privacy notice", seen)
    later.goto(
        reverse("have_your_say:language")
        + f"?lang=cy&next={reverse('have_your_say:respond', kwargs={'org': c.organisation_id, 'slug': c.slug})}"
    )
    assert "Parhau" in later.content()
    both_widths(browse, later, "first page in Welsh", seen, shot="welsh")

    # Staff see the response.
    staff = browse.new_page()
    sign_in(staff, world.walker, world.totp_secret)
    staff.goto(reverse("consultations:response_list", args=[c.pk]))
    assert response.reference in staff.content()
    browse.assert_clean()
