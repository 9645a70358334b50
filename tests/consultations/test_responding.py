"""Answering a consultation: validation, conditions, tampering, drafts, closing, idempotency, limits."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from involve.audit.models import AuditEvent
from involve.consultations import responding, submission
from involve.consultations.models import Answer, Consultation, Response, ResponseDraft
from involve.equality.models import EqualityRecord

from .factories import make_consultation, make_question
from .surveys import long_survey

pytestmark = pytest.mark.django_db
ALL = Consultation.Paging.ALL


def _respond_url(c):
    return reverse("have_your_say:respond", kwargs={"org": c.organisation_id, "slug": c.slug})


def _token(html):
    found = re.search(r'name="form_token" value="([^"]+)"', html)
    return found.group(1) if found else ""


def full_answers(q):
    return {
        "q_visited": "yes",
        "q_services": ["gp", "bloods", "physio"],
        "q_rating": "4",
        "q_travel": "car",
        "q_parking": "Hard to find a space",
        "q_postcode": "ls1 4ap",
        "q_grid_s1": "agree",
        "q_grid_s2": "strongly_agree",
        "q_ranking_time": "2",
        "q_ranking_near": "1",
        "q_ranking_staff": "3",
        "q_agree": "disagree",
        "q_fft": "good",
        "q_ward": "Ward 3",
        "q_comments": "Thank you",
    }


EXPECTED = {
    "visited": "yes",
    "services": ["gp", "bloods", "physio"],
    "rating": 4,
    "travel": "car",
    "parking": "Hard to find a space",
    "postcode": "LS1 4AP",
    "grid": {"s1": "agree", "s2": "strongly_agree"},
    "ranking": ["near", "time", "staff"],
    "agree": "disagree",
    "fft": "good",
    "ward": "Ward 3",
    "comments": "Thank you",
}


# The validator


def test_a_full_response_is_accepted_and_round_trips_to_answer_rows(cast):
    q = long_survey(cast.org_a, paging=ALL)
    result = responding.validate_response(q.consultation, full_answers(q), equality=False)
    assert result.ok, result.errors
    assert result.answers == EXPECTED
    response = submission.submit(q.consultation, result.answers)
    assert submission.stored_answers(response) == EXPECTED
    again = responding.validate_response(
        q.consultation, responding.posted_for(responding.survey_for(q.consultation).questions, EXPECTED), equality=False
    )
    assert again.answers == EXPECTED


def test_an_answer_to_a_question_hidden_by_its_condition_is_refused(cast):
    q = long_survey(cast.org_a, paging=ALL)
    data = {**full_answers(q), "q_why_not": "I moved away"}  # only for those who said No
    result = responding.validate_response(q.consultation, data, equality=False)
    assert not result.ok
    assert any("was not asked" in message for _field, message in result.errors)


def test_an_answer_to_a_section_hidden_by_its_condition_is_refused(cast):
    q = long_survey(cast.org_a, paging=ALL)
    data = {**full_answers(q), "q_visited": "no", "q_why_not": "Too far"}
    result = responding.validate_response(q.consultation, data, equality=False)
    assert not result.ok  # travel, parking and postcode are in the section for visitors only
    data = {k: v for k, v in data.items() if k not in ("q_travel", "q_parking", "q_postcode")}
    result = responding.validate_response(q.consultation, data, equality=False)
    assert result.ok, result.errors
    assert result.answers["why_not"] == "Too far"


def test_a_hidden_question_is_not_required(cast):
    q = long_survey(cast.org_a, paging=ALL)
    q.parking.required = True
    q.parking.save()
    data = {**full_answers(q), "q_travel": "bus"}
    data.pop("q_parking")
    assert responding.validate_response(q.consultation, data, equality=False).ok


@pytest.mark.parametrize(
    "change, message",
    [
        ({"q_nonsense": "x"}, "not in this survey"),
        ({"q_visited": "maybe"}, "Select one of the answers offered"),
        ({"q_services": ["gp", "ferry"]}, "Select only answers offered"),
        ({"q_ranking_time": "1", "q_ranking_near": "1"}, "Use each rank only once"),
        ({"q_ranking_time": "9"}, "Select one of the answers offered"),
        ({"q_rating": "11"}, "Select one of the answers offered"),
        ({"q_postcode": "not a postcode"}, "Enter a real postcode"),
        ({"q_ward": "a\r\nBcc: x@example.org"}, "must be on one line"),
        ({"q_comments": "x" * 10_001}, "characters or fewer"),
        ({"q_grid_s1": "sometimes"}, "Select one of the answers offered"),
        ({"q_visited": ""}, "Select your answer to “Have you been to the Elm Street clinic?”"),
    ],
)
def test_bad_answers_are_refused_clearly(cast, change, message):
    q = long_survey(cast.org_a, paging=ALL)
    result = responding.validate_response(q.consultation, {**full_answers(q), **change}, equality=False)
    assert not result.ok
    assert any(message in m for _f, m in result.errors), result.errors
    assert result.answers == {}


def test_a_rating_required_says_select_how_you_rate(cast):
    c = make_consultation(cast.org_a, paging=ALL, ask_equality=False)
    make_question(c, "rating", "How do you rate us?", code="r", required=True)
    make_question(c, "free_text", "Tell us more", code="t", required=True)
    result = responding.validate_response(c, {"q_t": ""})
    messages = [m for _f, m in result.errors]
    assert "Select how you rate “How do you rate us?”" in messages
    assert "Enter your answer to “Tell us more”" in messages


# The one-page public form: GET → POST → 302


def _open_and_send(client, c, data, **extra):
    html = client.get(_respond_url(c)).content.decode()
    return client.post(_respond_url(c), {**data, "form_token": _token(html), "action": "continue", **extra})


def test_one_page_survey_is_sent_and_keeps_every_tick(cast, client):
    q = long_survey(cast.org_a, paging=ALL, ask_equality=False)
    response = _open_and_send(client, q.consultation, full_answers(q))
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = Response.objects.get()
    assert response["Location"].endswith(f"/confirmation/{stored.reference}/")
    assert submission.stored_answers(stored) == EXPECTED
    assert stored.channel == "online" and stored.idempotency_key
    page = client.get(response["Location"]).content.decode()
    assert stored.reference in page


def test_a_double_submit_stores_one_response_and_shows_the_same_confirmation(cast, client):
    q = long_survey(cast.org_a, paging=ALL, ask_equality=False)
    html = client.get(_respond_url(q.consultation)).content.decode()
    data = {**full_answers(q), "form_token": _token(html)}
    first = client.post(_respond_url(q.consultation), data)
    second = client.post(_respond_url(q.consultation), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Response.objects.count() == 1 and Answer.objects.count() == len(EXPECTED)


def test_submit_twice_with_one_key_stores_once(cast):
    q = long_survey(cast.org_a, paging=ALL)
    one = submission.submit(q.consultation, {"visited": "yes"}, idempotency_key="k1")
    two = submission.submit(q.consultation, {"visited": "no"}, idempotency_key="k1")
    assert one.pk == two.pk and Response.objects.count() == 1


def test_an_invalid_post_shows_the_answers_again_and_stores_nothing(cast, client):
    q = long_survey(cast.org_a, paging=ALL, ask_equality=False)
    response = _open_and_send(client, q.consultation, {**full_answers(q), "q_postcode": "nope"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in html and "Enter a real postcode" in html
    assert "Hard to find a space" in html  # what they typed is still there
    assert 'value="bloods" checked' in html.replace("\n", " ") or re.search(r'value="bloods"[^>]*checked', html)
    assert Response.objects.count() == 0


def test_an_empty_post_is_refused(cast, client):
    q = long_survey(cast.org_a, paging=ALL, ask_equality=False)
    response = client.post(_respond_url(q.consultation), {})
    assert response.status_code == 400
    assert Response.objects.count() == 0


def test_the_honeypot_refuses_and_keeps_nothing(cast, client):
    q = long_survey(cast.org_a, paging=ALL, ask_equality=False)
    response = _open_and_send(client, q.consultation, full_answers(q), website="http://spam.example")
    assert response.status_code == 400
    assert Response.objects.count() == 0
    assert "Leave this empty" in response.content.decode()


def test_the_rate_limit_answers_429_and_keeps_the_answers(cast, client, settings):
    settings.RESPONSE_RATE_PER_IP = 1
    q = long_survey(cast.org_a, paging=ALL, ask_equality=False)
    assert _open_and_send(client, q.consultation, full_answers(q)).status_code == 302
    refused = _open_and_send(client, q.consultation, {**full_answers(q), "q_comments": "Second go"})
    html = refused.content.decode()
    assert refused.status_code == 429
    assert "have not been sent yet" in html and "Second go" in html
    assert Response.objects.count() == 1
    settings.RESPONSE_RATE_PER_IP = 20
    settings.RESPONSE_RATE_PER_CONSULTATION = 1
    assert _open_and_send(client, q.consultation, full_answers(q)).status_code == 429


def test_a_failure_mid_transaction_stores_nothing(cast, monkeypatch):
    q = long_survey(cast.org_a, paging=ALL)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(submission, "record_answers", broken)
    with pytest.raises(RuntimeError):
        submission.submit(q.consultation, {"visited": "yes", "comments": "x"}, {"sex": "female"}, consented=True)
    assert Response.objects.count() == 0 and Answer.objects.count() == 0


def test_a_failure_mid_transaction_through_the_page_keeps_nothing(cast, client, monkeypatch):
    q = long_survey(cast.org_a, paging=ALL)
    client.raise_request_exception = False
    monkeypatch.setattr(submission, "record_answers", lambda **kw: 1 / 0)
    response = _open_and_send(client, q.consultation, {**full_answers(q), "eq_sex": "female", "eq_consent": "on"})
    assert response.status_code == 500
    assert Response.objects.count() == 0 and Answer.objects.count() == 0


# Closing


def _closing_soon(org, **fields):
    q = long_survey(org, paging=ALL, ask_equality=False, **fields)
    return q


def test_a_response_a_second_after_the_close_is_refused(cast, client):
    q = _closing_soon(cast.org_a)
    c = q.consultation
    c.closes_at = timezone.now() - datetime.timedelta(seconds=1)
    c.save()
    token = submission.make_form_token(c)  # served now, after the close
    response = client.post(_respond_url(c), {**full_answers(q), "form_token": token})
    html = response.content.decode()
    assert response.status_code == 403
    assert "This consultation has closed" in html
    assert Response.objects.count() == 0
    no_token = client.post(_respond_url(c), full_answers(q))
    assert no_token.status_code == 403 and Response.objects.count() == 0
    assert client.get(_respond_url(c))["Location"].endswith("/closed/")


def test_a_form_served_before_the_close_and_arriving_after_is_kept(cast, client):
    q = _closing_soon(cast.org_a)
    c = q.consultation
    served = timezone.now() - datetime.timedelta(minutes=20)
    c.closes_at = timezone.now() - datetime.timedelta(minutes=5)
    c.save()
    token = submission.make_form_token(c, at=served)
    response = client.post(_respond_url(c), {**full_answers(q), "form_token": token})
    assert response.status_code == 302
    stored = Response.objects.get()
    assert abs((stored.submitted_at - served).total_seconds()) < 2


def test_the_grace_period_ends(cast, client):
    q = _closing_soon(cast.org_a)
    c = q.consultation
    c.opens_at = timezone.now() - datetime.timedelta(days=3)
    c.closes_at = timezone.now() - datetime.timedelta(hours=3)
    c.save()
    token = submission.make_form_token(c, at=c.closes_at - datetime.timedelta(minutes=1))
    assert client.post(_respond_url(c), {**full_answers(q), "form_token": token}).status_code == 403
    assert Response.objects.count() == 0


def test_a_forged_token_is_not_believed(cast):
    q = _closing_soon(cast.org_a)
    other = make_consultation(cast.org_a, title="Other")
    assert submission.read_form_token(q.consultation, "1.abc:xyz:sig") is None
    assert submission.read_form_token(q.consultation, submission.make_form_token(other)) is None
    assert submission.read_form_token(q.consultation, submission.make_form_token(q.consultation)) is not None


def test_drafts_and_unpublished_consultations_are_not_public(cast, client):
    c = make_consultation(cast.org_a, title="Secret plan", state=Consultation.State.DRAFT)
    make_question(c, "free_text", code="t")
    for name in ("consultation", "respond", "privacy", "closed"):
        url = reverse(f"have_your_say:{name}", kwargs={"org": c.organisation_id, "slug": c.slug})
        assert client.get(url).status_code == 404, name
    hub = client.get(reverse("have_your_say:hub", kwargs={"org": c.organisation_id})).content.decode()
    assert "Secret plan" not in hub


def test_the_hub_lists_open_then_closed_then_results_and_searches(cast, client):
    org = cast.org_a
    make_consultation(org, title="Open one")
    make_consultation(
        org,
        title="Closed one",
        opens_at=timezone.now() - datetime.timedelta(days=10),
        closes_at=timezone.now() - datetime.timedelta(days=1),
    )
    make_consultation(
        org,
        title="Results one",
        state=Consultation.State.RESULTS_PUBLISHED,
        opens_at=timezone.now() - datetime.timedelta(days=20),
        closes_at=timezone.now() - datetime.timedelta(days=10),
    )
    make_consultation(cast.org_b, title="Another organisation's")
    html = client.get(reverse("have_your_say:hub", kwargs={"org": org.pk})).content.decode()
    assert html.index("Open one") < html.index("Closed one") < html.index("Results one")
    assert "Another organisation" not in html
    found = client.get(reverse("have_your_say:hub", kwargs={"org": org.pk}), {"q": "closed"}).content.decode()
    assert "Closed one" in found and "Open one" not in found


def test_the_hub_shows_past_consultations_a_page_at_a_time_newest_first(cast, client):
    from involve.consultations.views.public import HUB_PAGE_SIZE

    now = timezone.now()
    for n in range(HUB_PAGE_SIZE + 3):
        make_consultation(
            cast.org_a,
            title=f"Closed number {n:02d}",
            opens_at=now - datetime.timedelta(days=100 + n),
            closes_at=now - datetime.timedelta(days=1 + n),
        )
    make_consultation(cast.org_a, title="Still open")
    url = reverse("have_your_say:hub", kwargs={"org": cast.org_a.pk})
    first = client.get(url).content.decode()
    assert "Still open" in first and "Closed number 00" in first and f"Closed number {HUB_PAGE_SIZE - 1}" in first
    assert f"Closed number {HUB_PAGE_SIZE}" not in first and "closed_page=2" in first
    second = client.get(url, {"closed_page": 2}).content.decode()
    assert f"Closed number {HUB_PAGE_SIZE + 2}" in second and "Closed number 00" not in second
    assert "Still open" in second  # open ones are always shown
    welsh = client.get(url, HTTP_ACCEPT_LANGUAGE="cy").content.decode()
    assert "Nesaf" in welsh


def test_question_text_is_escaped(cast, client):
    c = make_consultation(cast.org_a, title="<b>Bold</b> plan", slug="bold-plan", paging=ALL)
    make_question(c, "single_choice", "<script>alert(1)</script>", code="x", help_text="<img src=x onerror=alert(1)>")
    html = client.get(_respond_url(c)).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html and "<b>Bold</b>" not in html


# Equality answers


def test_equality_answers_are_stored_apart_with_consent_and_deprivation(cast, client):
    q = long_survey(cast.org_a, paging=ALL)
    response = _open_and_send(
        client, q.consultation, {**full_answers(q), "eq_sex": "female", "eq_carer": "prefer_not", "eq_consent": "on"}
    )
    assert response.status_code == 302
    stored = Response.objects.get()
    record = EqualityRecord.objects.get(subject_kind="consultation_response", subject_id=stored.pk)
    assert record.sex == "female" and record.carer == "prefer_not" and record.consented
    assert not Answer.objects.filter(text__in=["female", "prefer_not"]).exists()


def test_equality_answers_without_consent_are_asked_about(cast, client):
    q = long_survey(cast.org_a, paging=ALL)
    response = _open_and_send(client, q.consultation, {**full_answers(q), "eq_sex": "female"})
    assert response.status_code == 400 and "Tick the box" in response.content.decode()
    assert Response.objects.count() == EqualityRecord.objects.count() == 0


def test_no_equality_answers_means_no_record(cast, client):
    q = long_survey(cast.org_a, paging=ALL)
    data = {k: v for k, v in full_answers(q).items() if k != "q_postcode"}
    assert _open_and_send(client, q.consultation, data).status_code == 302
    assert EqualityRecord.objects.count() == 0


# The long survey, page by page, with a draft


def _follow_pages(client, location, answers):
    """Answer each page with what `answers` has for its fields until the check page."""
    seen = []
    while "/check/" not in location:
        html = client.get(location).content.decode()
        seen.append(location)
        names = set(re.findall(r'name="(q_[^"]+|eq_[^"]+)"', html))
        data = {k: v for k, v in answers.items() if k in names}
        response = client.post(location, {**data, "form_token": _token(html), "action": "continue"})
        assert response.status_code == 302, (location, response.content.decode()[:3000])
        location = response["Location"]
        assert len(seen) < 20
    return location, seen


def test_a_long_survey_page_by_page_with_save_and_resume(cast, client):
    q = long_survey(cast.org_a, paging=Consultation.Paging.SECTION)
    c = q.consultation
    html = client.get(_respond_url(c)).content.decode()
    assert "Your visits" in html and "q_travel" not in html  # one section per page
    answers = {**full_answers(q), "eq_age_band": "35_44", "eq_consent": "on"}
    first = {k: v for k, v in answers.items() if k in ("q_visited", "q_services", "q_rating")}
    # Save and come back later on the first page.
    saved = client.post(_respond_url(c), {**first, "form_token": _token(html), "action": "save"})
    assert saved.status_code == 302 and "/saved/" in saved["Location"]
    token = saved["Location"].split("/answers/")[1].split("/")[0]
    draft = ResponseDraft.objects.get()
    assert draft.token_hash == submission.token_hash(token) and token not in str(draft.__dict__)
    page = client.get(saved["Location"]).content.decode()
    resume = reverse("have_your_say:resume", kwargs={"token": token})
    assert resume in page
    # Email the link: sent, and the address is kept nowhere.
    sent = client.post(saved["Location"], {"email": "person@example.org"})
    assert sent.status_code == 200 and len(mail.outbox) == 1 and resume in mail.outbox[0].body
    assert "person@example.org" not in str(ResponseDraft.objects.values().get())
    # Come back in a new browser (no cookies but the link).
    from django.test import Client

    later = Client()
    back = later.get(resume)
    assert back.status_code == 302
    html = later.get(back["Location"]).content.decode()
    assert re.search(r'value="bloods"[^>]*checked', html), "the saved ticks are shown again"
    location, seen = _follow_pages(later, back["Location"], answers)
    assert any("/about-you/" in s for s in seen)
    check = later.get(location).content.decode()
    assert "Check your answers" in check and "Blood tests" in check and "Physiotherapy" in check
    assert "Why have you not been?" not in check
    sent = later.post(location, {"form_token": _token(check)})
    assert sent.status_code == 302 and "/confirmation/" in sent["Location"]
    stored = Response.objects.get()
    assert submission.stored_answers(stored) == EXPECTED
    assert EqualityRecord.objects.get(subject_id=stored.pk).age_band == "35_44"
    assert ResponseDraft.objects.count() == 0
    # Sent again (a double click): the same confirmation, one response.
    again = later.post(location, {"form_token": _token(check)})
    assert again.status_code == 302 and again["Location"] == sent["Location"]
    assert Response.objects.count() == 1
    assert later.get(resume).status_code == 404


def test_changing_an_earlier_answer_drops_answers_no_longer_asked(cast, client):
    q = long_survey(cast.org_a, paging=Consultation.Paging.QUESTION, ask_equality=False)
    c = q.consultation
    html = client.get(_respond_url(c)).content.decode()
    response = client.post(_respond_url(c), {"q_visited": "yes", "form_token": _token(html)})
    token = response["Location"].split("/answers/")[1].split("/")[0]
    location, _ = _follow_pages(client, response["Location"], {**full_answers(q)})
    assert "travel" in ResponseDraft.objects.get().answers
    # Back to the first page: now they have not visited, so the visitors' section goes.
    page1 = reverse("have_your_say:page", kwargs={"token": token, "number": 1})
    html = client.get(page1).content.decode()
    response = client.post(page1, {"q_visited": "no", "form_token": _token(html)})
    assert response.status_code == 302
    draft = ResponseDraft.objects.get()
    assert "travel" not in draft.answers and "parking" not in draft.answers
    location, seen = _follow_pages(client, response["Location"], {"q_why_not": "Too far"})
    check = client.get(location).content.decode()
    sent = client.post(location, {"form_token": _token(check)})
    assert sent.status_code == 302, re.findall(r"nhsuk-error-summary__list.*?</ul>", sent.content.decode(), re.S)
    stored = submission.stored_answers(Response.objects.get())
    assert stored["visited"] == "no" and stored["why_not"] == "Too far" and "travel" not in stored


def test_a_tampered_page_post_is_refused(cast, client):
    q = long_survey(cast.org_a, paging=Consultation.Paging.SECTION, ask_equality=False)
    c = q.consultation
    html = client.get(_respond_url(c)).content.decode()
    response = client.post(_respond_url(c), {"q_visited": "yes", "q_travel": "car", "form_token": _token(html)})
    assert response.status_code == 400
    assert "not asked" in response.content.decode()
    assert ResponseDraft.objects.count() == 0


def test_a_draft_check_after_the_close_is_refused_kindly(cast, client):
    q = long_survey(cast.org_a, paging=Consultation.Paging.SECTION, ask_equality=False)
    c = q.consultation
    draft, token = submission.new_draft(c, answers={"visited": {"q_visited": ["no"]}})
    check_url = reverse("have_your_say:check", kwargs={"token": token})
    form_token = submission.make_form_token(c, at=timezone.now() - datetime.timedelta(minutes=10))
    c.closes_at = timezone.now() - datetime.timedelta(seconds=1)
    c.save()
    late = submission.make_form_token(c)
    assert client.post(check_url, {"form_token": late}).status_code == 403
    assert Response.objects.count() == 0
    # Served before the close: kept.
    assert submission.read_form_token(c, form_token).served_at < c.closes_at
    assert client.post(check_url, {"form_token": form_token}).status_code == 302
    assert Response.objects.count() == 1


# Welsh


def test_the_public_pages_speak_welsh(cast, client):
    q = long_survey(cast.org_a, paging=Consultation.Paging.SECTION)
    client.cookies["django_language"] = "cy"
    html = client.get(_respond_url(q.consultation)).content.decode()
    assert 'lang="cy"' in html
    assert "Parhau" in html and "Cadw a dod yn ôl yn nes ymlaen" in html
    assert "English" in html
    english = client.get(reverse("have_your_say:language"), {"lang": "en-gb", "next": _respond_url(q.consultation)})
    assert english.status_code == 302 and english["Location"] == _respond_url(q.consultation)
    assert english.cookies["django_language"].value == "en-gb"


def test_the_language_switch_does_not_redirect_off_site(client):
    response = client.get(reverse("have_your_say:language"), {"lang": "cy", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    response = client.get(reverse("have_your_say:language"), {"lang": "cy", "next": "//evil.example/"})
    assert response["Location"] == "/"


def test_every_public_string_has_a_welsh_translation():
    from pathlib import Path

    import involve.consultations as app

    root = Path(app.__file__).parent
    po = (root / "locale/cy/LC_MESSAGES/django.po").read_text()
    translated = set()
    for block in po.split("\n\n"):
        ids = re.findall(r'^msgid "(.*)"$', block, re.M)
        strs = re.findall(r'^msgstr "(.*)"$', block, re.M)
        if ids and strs and strs[0]:
            translated.add(ids[0].encode().decode("unicode_escape").encode("latin-1").decode())
    used = set()
    for path in (root / "jinja2/consultations/public").glob("*.html"):
        if path.name == "paper_entry.html":
            continue
        used |= set(re.findall(r'_\("((?:[^"\\]|\\.)*)"', path.read_text()))
    missing = sorted(used - translated)
    assert not missing, missing


# Paper entry


def test_paper_entry_stores_the_channel_the_date_and_who_entered_it(cast, client_for):
    q = long_survey(cast.org_a, paging=Consultation.Paging.SECTION)
    client = client_for(cast.a_engagement_lead)
    url = reverse("consultations:paper_entry", args=[q.consultation.pk])
    html = client.get(url).content.decode()
    assert "q_travel" in html  # every question on one page
    data = {
        **full_answers(q),
        "channel": "paper",
        "received-day": "1",
        "received-month": "3",
        "received-year": "2026",
        "form_token": _token(html),
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    stored = Response.objects.get()
    assert stored.channel == "paper" and stored.entered_by == cast.a_engagement_lead
    assert timezone.localtime(stored.submitted_at).date() == datetime.date(2026, 3, 1)
    assert submission.stored_answers(stored) == EXPECTED
    assert AuditEvent.objects.filter(action="response.enter", target_id=str(stored.pk)).exists()
    # The same validation: a hidden question's answer is refused.
    html = client.get(url).content.decode()
    bad = client.post(url, {**data, "q_why_not": "x", "form_token": _token(html)})
    assert bad.status_code == 400 and Response.objects.count() == 1


def test_preview_stores_nothing(cast, client_for):
    q = long_survey(cast.org_a, paging=Consultation.Paging.SECTION)
    client = client_for(cast.a_engagement_lead)
    url = reverse("consultations:preview", args=[q.consultation.pk])
    html = client.get(url).content.decode()
    assert "Preview" in html and "Your visits" in html
    response = client.post(url, {"q_visited": "yes", "form_token": _token(html)})
    assert response.status_code == 200 and "pass every check" in response.content.decode()
    assert Response.objects.count() == ResponseDraft.objects.count() == 0
    assert "Getting there" in client.get(url, {"page": 2}).content.decode()


def test_starting_drafts_is_rate_limited_and_keeps_the_answers(cast, client, settings):
    settings.RESPONSE_RATE_PER_IP = 1
    q = long_survey(cast.org_a, paging=Consultation.Paging.SECTION, ask_equality=False)
    url = _respond_url(q.consultation)
    html = client.get(url).content.decode()
    assert client.post(url, {"q_visited": "yes", "form_token": _token(html), "action": "save"}).status_code == 302
    refused = client.post(url, {"q_visited": "no", "q_why_not": "Far away", "form_token": _token(html)})
    assert refused.status_code == 429 and "Far away" in refused.content.decode()
    assert ResponseDraft.objects.count() == 1


def test_long_answers_are_taken_and_a_body_over_the_page_limit_is_refused_unread(cast, client):
    # views/public.py lets the answer pages take up to ANSWERS_MAX_BYTES from the public (core/upload_guard.py
    # refuses other anonymous bodies over 64 KB): two answers of 10,000 characters, accented ones sent as six
    # bytes each, are kept; a body over the limit is answered 403, unread, and nothing is stored.
    from involve.consultations.views.public import ANSWERS_MAX_BYTES

    q = long_survey(cast.org_a, paging=ALL, ask_equality=False)
    html = client.get(_respond_url(q.consultation)).content.decode()
    from urllib.parse import urlencode

    def post(data):  # as a browser sends a form: URL-encoded, "é" as six bytes
        body = urlencode(data, doseq=True)
        return client.post(_respond_url(q.consultation), body, content_type="application/x-www-form-urlencoded")

    data = {**full_answers(q), "q_comments": "x" * 10_000, "q_parking": "é" * 10_000, "form_token": _token(html)}
    too_big = post({**data, "padding": "x" * ANSWERS_MAX_BYTES})
    assert too_big.status_code == 403
    assert Response.objects.count() == 0
    kept = post(data)
    assert kept.status_code == 302 and Response.objects.count() == 1


def test_saving_text_with_a_nul_character_keeps_the_rest(cast, client):
    q = long_survey(cast.org_a, paging=Consultation.Paging.SECTION, ask_equality=False)
    url = _respond_url(q.consultation)
    html = client.get(url).content.decode()
    response = client.post(
        url, {"q_visited": "no", "q_why_not": "Too\x00 far", "form_token": _token(html), "action": "save"}
    )
    assert response.status_code == 302
    assert ResponseDraft.objects.get().answers["why_not"] == {"q_why_not": ["Too far"]}


def test_a_form_served_before_staff_closed_it_is_kept(cast, client):
    from involve.consultations import services

    q = _closing_soon(cast.org_a)
    c = q.consultation
    served = submission.make_form_token(c, at=timezone.now() - datetime.timedelta(minutes=1))
    services.consultation_close(by=cast.a_administrator, consultation=c)
    c.refresh_from_db()
    assert c.state == Consultation.State.CLOSED
    assert client.post(_respond_url(c), {**full_answers(q), "form_token": served}).status_code == 302
    late = submission.make_form_token(c)
    assert client.post(_respond_url(c), {**full_answers(q), "form_token": late}).status_code == 403
    assert Response.objects.count() == 1


def test_a_change_link_on_check_your_answers_comes_back_to_it(cast, client):
    q = long_survey(cast.org_a, paging=Consultation.Paging.SECTION, ask_equality=False)
    draft, token = submission.new_draft(q.consultation, answers={"visited": {"q_visited": ["no"]}})
    check = client.get(reverse("have_your_say:check", kwargs={"token": token})).content.decode()
    change = re.search(r'href="([^"]+/page/1/\?return=check)"', check).group(1).replace("&amp;", "&")
    page = client.get(change).content.decode()
    assert 'name="return" value="check"' in page
    response = client.post(change, {"q_visited": "no", "q_why_not": "Too far", "return": "check"})
    assert response.status_code == 302 and response["Location"].endswith("/check/")
    assert "Too far" in client.get(response["Location"]).content.decode()


def test_expired_drafts_are_deleted_by_whoever_starts_a_draft(cast, monkeypatch):
    c = long_survey(cast.org_a).consultation
    old, _ = submission.new_draft(c, answers={"q_x": {"q_x": ["typed long ago"]}})
    ResponseDraft.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    kept, _ = submission.new_draft(c)
    monkeypatch.setattr(submission, "DRAFT_TIDY_EVERY", 1)
    fresh, _ = submission.new_draft(c)
    assert set(ResponseDraft.objects.values_list("pk", flat=True)) == {kept.pk, fresh.pk}
