"""The builder's pages: the list and its exports, the consultation form (dates and times in UK time),
the detail page with its questionnaire and conditions in words, state changes, copies, sections and
questions, and the staff view of responses with the equality answers kept apart."""

import csv
import datetime
import io
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from involve.consultations.models import Consultation, Question, Response, Section
from involve.equality.models import EqualityRecord
from involve.organisations.models import Membership

from .factories import make_consultation, make_question, make_response, make_section

pytestmark = pytest.mark.django_db

Kind = Question.Kind
State = Consultation.State


def _text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def _date(prefix, d):
    return {f"{prefix}-day": d.day, f"{prefix}-month": d.month, f"{prefix}-year": d.year}


def _form(**extra):
    data = {
        "title": "Future of Elm Street clinic",
        "kind": "consultation",
        "paging": "all",
        "privacy_notice": "We keep your answers safe.",
        "suppression_threshold": "5",
        "ask_equality": "on",
        **_date("opens_on", datetime.date(2026, 7, 1)),
        "opens_time": "09:00",
        **_date("closes_on", datetime.date(2026, 8, 31)),
        "closes_time": "5pm",
    }
    data.update(extra)
    return data


def test_the_navigation_offers_consultations(cast, client_for):
    html = client_for(cast.a_viewer).get(reverse("home")).content.decode()
    assert reverse("consultations:consultation_list") in html and "Consultations" in html


def test_the_list_searches_filters_sorts_and_pages(cast, client_for):
    make_consultation(cast.org_a, "Elm Street clinic")
    make_consultation(cast.org_a, "Stroke services survey", kind=Consultation.Kind.SURVEY, state=State.DRAFT)
    make_consultation(cast.org_b, "Beta only")
    client = client_for(cast.a_viewer)
    url = reverse("consultations:consultation_list")
    html = _text(client.get(url))
    assert "Elm Street clinic" in html and "Stroke services survey" in html and "Beta only" not in html
    assert "Add a consultation" not in html  # a viewer adds nothing
    assert "Stroke" not in _text(client.get(url, {"q": "elm"}))
    assert "Elm Street" not in _text(client.get(url, {"state": "draft"}))
    assert "Elm Street" not in _text(client.get(url, {"kind": "survey"}))
    html = _text(client.get(url, {"sort": "title"}))
    assert html.index("Elm Street clinic") < html.index("Stroke services survey")
    html = _text(client.get(url, {"sort": "-title"}))
    assert html.index("Elm Street clinic") > html.index("Stroke services survey")
    assert "No consultations match these filters" in _text(client.get(url, {"q": "nothing like this"}))
    # Someone whose organisation has none (org_a's trust, below it) sees the empty state.
    assert "No consultations or surveys have been added yet" in _text(client_for(cast.trust_admin).get(url))


def test_the_list_pages_fifty_at_a_time(cast, client_for):
    for n in range(51):
        make_consultation(cast.org_a, f"Consultation {n:02}", slug=f"c-{n}")
    html = _text(client_for(cast.a_viewer).get(reverse("consultations:consultation_list")))
    assert "Showing 1 to 50 of 51 consultations" in html and "page=2" in html


def test_the_exports_hold_the_filtered_list(cast, client_for):
    make_consultation(cast.org_a, '=HYPERLINK("x")')
    make_consultation(cast.org_a, "Second one", state=State.DRAFT)
    client = client_for(cast.a_viewer)
    response = client.get(reverse("consultations:consultation_export", args=["csv"]), {"state": "published"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Organisation", "ODS code", "Title"]
    assert len(rows) == 2 and rows[1][2].startswith("'=")
    response = client.get(reverse("consultations:consultation_export", args=["xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 3
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert client.get(reverse("consultations:consultation_export", args=["pdf"])).status_code == 404


def test_adding_a_consultation_in_uk_time_with_a_slug_made_from_the_title(cast, client_for):
    client = client_for(cast.a_contributor)
    response = client.post(reverse("consultations:consultation_add"), _form())
    assert response.status_code == 302, _text(response)
    c = Consultation.objects.get()
    assert c.slug == "future-of-elm-street-clinic" and c.state == State.DRAFT and c.organisation == cast.org_a
    # British Summer Time: 09:00 in London is 08:00 UTC; 5pm is 17:00.
    assert c.opens_at == datetime.datetime(2026, 7, 1, 8, 0, tzinfo=datetime.UTC)
    assert timezone.localtime(c.closes_at).strftime("%H:%M") == "17:00"
    assert response["Location"] == reverse("consultations:consultation_detail", args=[c.pk])


@pytest.mark.parametrize(
    "extra, field, message",
    [
        ({**_date("closes_on", datetime.date(2026, 6, 1))}, "closes_on", "must be after the opening"),
        ({"opens_time": "25:00"}, "opens_time", "Enter a time like 09:00"),
        ({"opens_time": ""}, "opens_time", "Enter the time"),
        ({**_date("opens_on", datetime.date(2026, 3, 29)), "opens_time": "01:30"}, "opens_time", "clocks go forward"),
        ({"suppression_threshold": "0"}, "suppression_threshold", "must be 1 or more"),
        ({"slug": "not a slug!"}, "slug", "only letters, numbers and hyphens"),
        ({"title": ""}, "title", "Enter the title"),
    ],
)
def test_the_consultation_form_refuses_bad_values_in_plain_words(cast, client_for, extra, field, message):
    response = client_for(cast.a_contributor).post(reverse("consultations:consultation_add"), _form(**extra))
    assert response.status_code == 400
    assert message in _text(response), field
    assert not Consultation.objects.exists()


def test_a_taken_slug_is_refused_on_the_form(cast, client_for):
    make_consultation(cast.org_a, slug="elm")
    response = client_for(cast.a_contributor).post(reverse("consultations:consultation_add"), _form(slug="elm"))
    assert response.status_code == 400 and "already has this web address" in _text(response)


def test_the_form_offers_only_the_organisations_own_activities_and_decisions(cast, client_for):
    from ..engagement.factories import make_activity, make_decision

    make_activity(cast.org_a, "Alpha event")
    make_activity(cast.org_b, "Beta event")
    ours, theirs = make_decision(cast.org_a, "Alpha decision"), make_decision(cast.org_b, "Beta decision")
    client = client_for(cast.a_contributor)
    html = _text(client.get(reverse("consultations:consultation_add")))
    assert "Alpha event" in html and "Beta event" not in html and "Beta decision" not in html
    response = client.post(reverse("consultations:consultation_add"), _form(decisions=[ours.pk, theirs.pk]))
    assert response.status_code == 400 and not Consultation.objects.exists()
    response = client.post(reverse("consultations:consultation_add"), _form(decisions=[ours.pk]))
    assert list(Consultation.objects.get().decisions.all()) == [ours]


def test_editing_unchanged_keeps_the_stored_seconds(cast, client_for, records):
    client = client_for(cast.a_contributor)
    c = records.consultation
    before = (c.opens_at, c.closes_at, c.revision)
    html = client.get(reverse("consultations:consultation_edit", args=[c.pk])).content.decode()
    assert 'name="revision"' in html
    opens, closes = timezone.localtime(c.opens_at), timezone.localtime(c.closes_at)
    data = _form(
        title=c.title,
        slug=c.slug,
        summary=c.summary,
        privacy_notice=c.privacy_notice,
        activity=c.activity_id,
        revision=c.revision,
        **_date("opens_on", opens.date()),
        opens_time=f"{opens:%H:%M}",
        **_date("closes_on", closes.date()),
        closes_time=f"{closes:%H:%M}",
    )
    assert client.post(reverse("consultations:consultation_edit", args=[c.pk]), data).status_code == 302
    c.refresh_from_db()
    assert (c.opens_at, c.closes_at, c.revision) == before


def test_titles_are_escaped(cast, client_for):
    c = make_consultation(cast.org_a, "<script>alert(1)</script>", slug="x")
    make_question(c, Kind.SINGLE_CHOICE, "<img src=x onerror=alert(2)>")
    client = client_for(cast.a_viewer)
    for url in (reverse("consultations:consultation_list"), reverse("consultations:consultation_detail", args=[c.pk])):
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
        assert "<img src=x" not in html


def test_the_detail_page_shows_the_questionnaire_in_order_with_conditions_in_words(cast, client_for):
    c = make_consultation(cast.org_a)
    drive = make_question(c, Kind.SINGLE_CHOICE, "Do you drive?")
    section = make_section(c, "Parking", condition_question=drive, condition_values=["c1"])
    make_question(c, Kind.FREE_TEXT, "Where do you park?", section=section)
    make_question(c, Kind.FREE_TEXT, "Why not?", condition_question=drive, condition_values=["c2", "c3"])
    make_response(c, {drive: "c1"})
    make_response(c, {drive: "c2"}, channel=Response.Channel.PAPER)
    html = _text(client_for(cast.a_engagement_lead).get(reverse("consultations:consultation_detail", args=[c.pk])))
    assert "Shown only if ‘Q1’ is ‘No’ or ‘Not sure’" in html
    assert "Shown only if ‘Q1’ is ‘Yes’" in html
    assert html.index("Do you drive?") < html.index("Why not?") < html.index("Where do you park?")
    assert "2 responses" in html and "Paper form" in html and "Online" in html
    for name in ("consultation_edit", "consultation_publish", "consultation_delete", "question_add", "section_add"):
        assert reverse(f"consultations:{name}", args=[c.pk]) in html or name == "consultation_publish"
    assert reverse("consultations:response_list", args=[c.pk]) in html


def test_the_detail_page_links_to_every_part_of_the_area(cast, client_for, records):
    page = client_for(cast.a_engagement_lead).get(
        reverse("consultations:consultation_detail", args=[records.consultation.pk])
    )
    html = page.content.decode()
    pk = records.consultation.pk
    for name, args in [
        ("consultations:analysis", [pk]),
        ("consultations:summary", [pk]),
        ("consultations:moderation", [pk]),
        ("consultations:import_list", [pk]),
        ("consultations:paper_entry", [pk]),
        ("consultations:preview", [pk]),
        ("consultations:response_export", [pk, "csv"]),
        ("have_your_say:consultation", [cast.org_a.pk, records.consultation.slug]),
    ]:
        assert reverse(name, args=args) in html, name


def test_a_viewer_sees_no_change_links(cast, client_for, records):
    html = client_for(cast.a_viewer).get(reverse("consultations:consultation_detail", args=[records.consultation.pk]))
    html = html.content.decode()
    for name in ("consultation_edit", "consultation_delete", "question_add", "consultation_close", "consultation_copy"):
        assert reverse(f"consultations:{name}", args=[records.consultation.pk]) not in html, name
    assert reverse("consultations:question_edit", args=[records.question.pk]) not in html


def test_publishing_from_the_page(cast, client_for):
    client = client_for(cast.a_engagement_lead)
    c = make_consultation(cast.org_a, state=State.DRAFT)
    url = reverse("consultations:consultation_publish", args=[c.pk])
    html = _text(client.get(url))
    assert "It cannot be published yet" in html and "Add at least one question." in html
    response = client.post(url)
    assert response.status_code == 400 and "Add at least one question." in _text(response)
    make_question(c)
    assert client.post(url).status_code == 302
    c.refresh_from_db()
    assert c.state == State.PUBLISHED
    html = _text(client.get(url))
    assert "This can only be done when it is draft" in html and "Publish it" not in html


def test_closing_reopening_and_publishing_results_from_the_page(cast, client_for):
    client = client_for(cast.a_engagement_lead)
    c = make_consultation(cast.org_a)
    assert client.post(reverse("consultations:consultation_close", args=[c.pk])).status_code == 302
    c.refresh_from_db()
    assert c.state == State.CLOSED
    url = reverse("consultations:consultation_reopen", args=[c.pk])
    assert (
        client.post(url, {**_date("closes_on", datetime.date(2020, 1, 1)), "closes_time": "09:00"}).status_code == 400
    )
    response = client.post(url, {})
    assert response.status_code == 400 and "Enter the new closing date" in _text(response)
    later = timezone.localdate() + datetime.timedelta(days=14)
    assert client.post(url, {**_date("closes_on", later), "closes_time": "23:59"}).status_code == 302
    c.refresh_from_db()
    assert c.state == State.PUBLISHED and timezone.localtime(c.closes_at).date() == later
    client.post(reverse("consultations:consultation_close", args=[c.pk]))
    url = reverse("consultations:consultation_publish_results", args=[c.pk])
    response = client.post(url, {"results_summary": ""})
    assert response.status_code == 400 and "Enter what you heard and what you did" in _text(response)
    assert client.post(url, {"results_summary": "You said parking; we added spaces."}).status_code == 302
    c.refresh_from_db()
    assert c.state == State.RESULTS_PUBLISHED and c.results_summary.startswith("You said")


def test_deleting_a_consultation_with_responses_is_refused_with_the_reason(cast, client_for, records):
    client = client_for(cast.a_engagement_lead)
    response = client.post(reverse("consultations:consultation_delete", args=[records.consultation.pk]))
    assert response.status_code == 400 and "1 response" in _text(response)
    empty = make_consultation(cast.org_a, "Empty one", slug="empty")
    make_question(empty)
    assert client.post(reverse("consultations:consultation_delete", args=[empty.pk])).status_code == 302
    assert not Consultation.objects.filter(pk=empty.pk).exists()


def test_copying_as_a_template_from_the_page(cast, client_for, records):
    client = client_for(cast.a_contributor)
    url = reverse("consultations:consultation_copy", args=[records.consultation.pk])
    assert "Copy of Future of Elm Street clinic" in _text(client.get(url))
    response = client.post(url, {"title": "Birch Road clinic"})
    copy = Consultation.objects.get(title="Birch Road clinic")
    assert response["Location"] == reverse("consultations:consultation_detail", args=[copy.pk])
    assert copy.questions.count() == records.consultation.questions.count() and copy.state == State.DRAFT
    # A region reader may read it but not copy it: viewers make nothing.
    assert client_for(cast.region_reader).post(url, {"title": "Regional copy"}).status_code == 403


def test_adding_a_question_with_a_condition_on_the_form(cast, client_for):
    client = client_for(cast.a_contributor)
    c = make_consultation(cast.org_a, state=State.DRAFT)
    drive = make_question(c, Kind.SINGLE_CHOICE, "Do you drive?")
    url = reverse("consultations:question_add", args=[c.pk])
    html = client.get(url).content.decode()
    assert f'value="{drive.pk}:c1"' in html and "Q1: Yes" in html
    data = {
        "kind": "free_text",
        "text": "Where do you park?",
        "condition_question": drive.pk,
        "condition_values": [f"{drive.pk}:c1", f"{drive.pk}:c3"],
    }
    response = client.post(url, data)
    assert response.status_code == 302, _text(response)
    q = c.questions.get(text="Where do you park?")
    assert q.code == "q2" and q.condition_question == drive and q.condition_values == ["c1", "c3"]
    # Ticks that belong to no question chosen, or to another question, are refused.
    response = client.post(url, {**data, "condition_question": ""})
    assert response.status_code == 400 and "Choose the question whose answer shows it" in _text(response)
    other = make_question(c, Kind.SINGLE_CHOICE, "Other")
    response = client.post(url, {**data, "condition_values": [f"{other.pk}:c1"]})
    assert response.status_code == 400 and "Tick only answers to ‘Q1’" in _text(response)


def test_question_options_one_per_line_keep_their_keys_on_the_edit_form(cast, client_for):
    client = client_for(cast.a_contributor)
    c = make_consultation(cast.org_a, state=State.DRAFT)
    url = reverse("consultations:question_add", args=[c.pk])
    response = client.post(
        url, {"kind": "single_choice", "text": "How do you travel?", "options": "Bus\r\nCar\r\n\r\n Walk "}
    )
    assert response.status_code == 302, _text(response)
    q = c.questions.get()
    assert [o["label"] for o in q.options] == ["Bus", "Car", "Walk"]
    edit = reverse("consultations:question_edit", args=[q.pk])
    response = client.post(edit, {"kind": "single_choice", "text": q.text, "options": "Walk\nBus\nTrain"})
    assert response.status_code == 302
    q.refresh_from_db()
    assert q.options == [{"key": "c3", "label": "Walk"}, {"key": "c1", "label": "Bus"}, {"key": "c4", "label": "Train"}]


def test_removing_an_answered_option_is_refused_on_the_form(cast, client_for):
    c = make_consultation(cast.org_a)
    q = make_question(c, Kind.SINGLE_CHOICE)
    make_response(c, {q: "c2"})
    response = client_for(cast.a_contributor).post(
        reverse("consultations:question_edit", args=[q.pk]),
        {"kind": "single_choice", "text": q.text, "options": "Yes\nNot sure"},
    )
    assert response.status_code == 400 and "Answers already use ‘No’" in _text(response)


def test_moving_and_deleting_questions_from_the_page(cast, client_for):
    client = client_for(cast.a_engagement_lead)
    c = make_consultation(cast.org_a, state=State.DRAFT)
    a, b = make_question(c, text="First"), make_question(c, text="Second")
    assert client.get(reverse("consultations:question_move", args=[b.pk])).status_code == 200
    response = client.post(reverse("consultations:question_move", args=[b.pk]), {"direction": "up"})
    assert response.status_code == 302
    assert list(c.questions.order_by("position").values_list("text", flat=True)) == ["Second", "First"]
    response = client.post(reverse("consultations:question_move", args=[b.pk]), {"direction": "up"}, follow=True)
    assert "already the first question" in _text(response)
    assert client.post(reverse("consultations:question_delete", args=[a.pk])).status_code == 302
    assert not Question.objects.filter(pk=a.pk).exists()


def test_sections_with_a_condition(cast, client_for):
    client = client_for(cast.a_contributor)
    c = make_consultation(cast.org_a, state=State.DRAFT)
    drive = make_question(c, Kind.SINGLE_CHOICE, "Do you drive?")
    response = client.post(
        reverse("consultations:section_add", args=[c.pk]),
        {"title": "Parking", "condition_question": drive.pk, "condition_values": [f"{drive.pk}:c1"]},
    )
    assert response.status_code == 302, _text(response)
    section = Section.objects.get(consultation=c)
    assert section.condition_question == drive and section.condition_values == ["c1"]
    response = client.post(reverse("consultations:section_edit", args=[section.pk]), {"title": "Car parking"})
    section.refresh_from_db()
    assert section.title == "Car parking" and section.condition_question is None
    assert (
        client_for(cast.a_engagement_lead).post(reverse("consultations:section_delete", args=[section.pk])).status_code
        == 302
    )


# Responses


def test_the_response_list_searches_answers_and_filters_by_channel_and_date(cast, client_for):
    c = make_consultation(cast.org_a)
    q = make_question(c)
    bus = make_response(c, {q: "The bus never comes"})
    paper = make_response(c, {q: "Parking is hard"}, channel=Response.Channel.PAPER)
    old = make_response(c, {q: "Long ago"}, submitted_at=timezone.now() - datetime.timedelta(days=40))
    client = client_for(cast.a_viewer)
    url = reverse("consultations:response_list", args=[c.pk])
    html = _text(client.get(url))
    assert all(r.reference in html for r in (bus, paper, old))
    html = _text(client.get(url, {"q": "bus"}))
    assert bus.reference in html and paper.reference not in html
    html = _text(client.get(url, {"channel": "paper"}))
    assert paper.reference in html and bus.reference not in html
    since = timezone.localdate() - datetime.timedelta(days=7)
    html = _text(
        client.get(url, {"date_from-day": since.day, "date_from-month": since.month, "date_from-year": since.year})
    )
    assert old.reference not in html and bus.reference in html
    assert "No responses match these filters" in _text(client.get(url, {"q": "zebra"}))


def test_a_response_shows_every_answer_and_not_asked_where_a_condition_hid_it(cast, client_for):
    c = make_consultation(cast.org_a)
    drive = make_question(c, Kind.SINGLE_CHOICE, "Do you drive?")
    park = make_question(c, Kind.FREE_TEXT, "Where do you park?", condition_question=drive, condition_values=["c1"])
    make_question(c, Kind.FREE_TEXT, "Anything else?")
    rank = make_question(c, Kind.RANKING, "Put these in order")
    rating = make_question(c, Kind.RATING, "Rate us")
    response = make_response(c, {drive: "c2", rank: ["c3", "c1", "c2"], rating: 4})
    html = _text(client_for(cast.a_viewer).get(reverse("consultations:response_detail", args=[response.pk])))
    assert 'Q2. Where do you park? </dt> <dd class="nhsuk-summary-list__value"> Not asked' in html or re.search(
        r"Where do you park\?.{0,200}Not asked", html
    )
    assert re.search(r"Anything else\?.{0,200}Not answered", html)
    assert "1. Not sure; 2. Yes; 3. No" in html and "4 out of 5" in html
    assert park.pk


def test_equality_answers_show_only_with_the_equality_data_permission(cast, client_for, records):
    EqualityRecord.objects.create(
        organisation=cast.org_a,
        subject_kind="consultation_response",
        subject_id=records.response.pk,
        consented=True,
    )
    url = reverse("consultations:response_detail", args=[records.response.pk])
    html = _text(client_for(cast.a_administrator).get(url))
    assert "kept apart" in html and "equality-data permission" in html and "Carer" not in html
    Membership.objects.filter(user=cast.a_viewer).update(equality_data_access=True)
    html = _text(client_for(cast.a_viewer).get(url))
    assert "equality-data permission" not in html and "Deprivation" in html
    # The region reader reads the response, never its equality answers.
    html = _text(client_for(cast.region_reader).get(url))
    assert "equality-data permission" in html


def test_deleting_a_response_from_the_page(cast, client_for, records):
    client = client_for(cast.a_engagement_lead)
    url = reverse("consultations:response_delete", args=[records.response.pk])
    assert "Yes, delete it" in _text(client.get(url))
    response = client.post(url)
    assert response["Location"] == reverse("consultations:response_list", args=[records.consultation.pk])
    assert not Response.objects.filter(pk=records.response.pk).exists()


@pytest.mark.parametrize("name", ["consultation_reopen", "consultation_publish_results"])
def test_the_state_change_forms_answer_bad_values_in_plain_words(cast, client_for, name):
    # Not in the walk's FORMS (its consultation is open, so these show no form): checked here on a closed one.
    from ..project.test_forms import _bad_values, defaults_in, main_form

    client = client_for(cast.a_engagement_lead)
    c = make_consultation(cast.org_a, state=State.CLOSED)
    url = reverse(f"consultations:{name}", args=[c.pk])
    form = main_form(client.get(url).content.decode())
    assert form is not None
    # (The other bad values, a line break in the summary, are a summary like any other.)
    variants = [{}, _bad_values(form, 0)] + ([_bad_values(form, 1)] if name == "consultation_reopen" else [])
    for data in variants:
        response = client.post(url, data)
        html = response.content.decode()
        assert response.status_code == 400 and "There is a problem" in html, data
        assert not defaults_in(html), (data, defaults_in(html))
    c.refresh_from_db()
    assert c.state == State.CLOSED


def test_two_people_editing_at_once_get_a_conflict_page(cast, client_for, records):
    from ..project.test_forms import as_submitted, main_form

    url = reverse("consultations:consultation_edit", args=[records.consultation.pk])
    ellen, sam = client_for(cast.a_engagement_lead), client_for(cast.a_contributor)
    ellens = as_submitted(main_form(ellen.get(url).content.decode()))
    sams = as_submitted(main_form(sam.get(url).content.decode()))
    ellens["summary"] = ["Ellen's summary"]
    assert ellen.post(url, ellens).status_code == 302
    sams["summary"] = ["Sam's summary"]
    response = sam.post(url, sams)
    assert response.status_code == 409 and "Someone else saved changes" in response.content.decode()
    records.consultation.refresh_from_db()
    assert records.consultation.summary == "Ellen's summary"


@pytest.mark.parametrize("name", ["consultation_list", "response_list"])
def test_list_pages_cost_the_same_queries_however_long(cast, client_for, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = make_consultation(cast.org_a, "Counted")
    q = make_question(c)
    client = client_for(cast.a_viewer)
    url = reverse(f"consultations:{name}", args=[c.pk] if name == "response_list" else [])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    make_response(c, {q: "One"})
    few = count()
    for n in range(12):
        make_consultation(cast.org_a, f"More {n}", slug=f"more-{n}")
        make_response(c, {q: f"More {n}"})
    assert count() == few


def test_adding_the_fft_question_on_the_form_adds_its_follow_up_unless_unticked(cast, client_for):
    client = client_for(cast.a_contributor)
    c = make_consultation(cast.org_a, state=State.DRAFT)
    url = reverse("consultations:question_add", args=[c.pk])
    assert 'name="fft_follow_up"' in client.get(url).content.decode()
    client.post(url, {"kind": "fft", "text": "Overall, how was your experience of our service?", "fft_follow_up": "on"})
    assert list(c.questions.values_list("kind", flat=True)) == ["fft", "free_text"]
    client.post(url, {"kind": "fft", "text": "And of the pharmacy?"})
    assert c.questions.count() == 3
    q = c.questions.get(code="q1")
    edit = client.get(reverse("consultations:question_edit", args=[q.pk])).content.decode()
    assert 'name="fft_follow_up"' not in edit
