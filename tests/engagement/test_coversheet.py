"""Board paper cover sheets: built from the record, with every gap stated, and the same content in the
page, the PDF (read back with pdftotext) and the DOCX (read back with python-docx)."""

import dataclasses
import datetime
import html.parser
import io
import re
import shutil
import subprocess
import tempfile
import time
import zipfile

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from involve.core import uploads
from involve.core.models import TaskRun
from involve.engagement import coversheet, services
from involve.engagement import evidence as evidence_services
from involve.engagement.coversheet import limits
from involve.engagement.models import Activity, AudienceTag, Decision, LadderLevel, LegalDuty, Method

from ..core.test_uploads import minimal_pdf
from .factories import make_decision

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
DECIDED = TODAY - datetime.timedelta(days=10)


def days_before(n, base=DECIDED):
    return base - datetime.timedelta(days=n)


def pdf_text(content: bytes) -> str:
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext is missing: apt-get install -y poppler-utils")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(content)
        handle.flush()
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", handle.name, "-"], capture_output=True, check=True)
    return " ".join(out.stdout.decode("utf-8").split())


def squash(text: str) -> str:
    """For comparing with PDF text: pdftotext drops a hyphen where a line broke after it (a long web
    address), and joins wrapped lines, so spaces and hyphens are left out of the comparison."""
    return re.sub(r"[\s\-]", "", text)


def docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    parts += [p.text for p in document.sections[0].footer.paragraphs]
    return " ".join(" ".join(parts).split())


def flat(text: str) -> str:
    return " ".join(text.split())


def tag(name):
    return AudienceTag.objects.get(organisation=None, name=name)


def attach_file(owner, by, title, dated, text="Report"):
    checked = uploads.check_upload(SimpleUploadedFile(f"{title}.pdf", minimal_pdf(text)))
    return evidence_services.evidence_upload(by=by, owner=owner, file=checked, title=title, dated=dated)


@pytest.fixture
def complete(cast):
    """A decision whose record is complete: screened, involved, fed back, evidenced before the decision."""
    lead = cast.a_engagement_lead
    programme = services.programme_create(by=lead, organisation=cast.org_a, name="Urgent care")
    decision = services.decision_create(
        by=lead,
        organisation=cast.org_a,
        title="Relocate the Alpha minor injuries unit",
        reference="BP-2025-031",
        programme=programme,
        decision_maker="Alpha ICB Board",
        kind=Decision.Kind.SERVICE_CHANGE,
        planned_date=DECIDED,
        actual_date=DECIDED,
        summary="Move the unit to the health centre on Station Road.",
    )
    duties = list(LegalDuty.objects.filter(code__in=["s14Z45", "s244"]))
    screening = dict(
        duties=duties,
        plan_audiences=[tag("Carers"), tag("Young people")],
        affects_services=Decision.Answer.YES,
        affects_rationale="Patients would travel to a different site for minor injuries.",
        substantial_variation=Decision.Answer.YES,
        scrutiny_consulted_on=days_before(20),
        eia_reference="EIA-2025-014",
        health_inequalities="Bus routes from the Core20 wards were mapped; a shuttle was added.",
        plan_methods=[Method.WORKSHOP, Method.SURVEY],
        plan_starts=days_before(90),
        plan_ends=days_before(30),
        plan_notes="Two drop-ins and an online survey.",
        feedback_changes="Opening hours were extended to 10pm after feedback from carers.",
    )
    # "Feedback given" needs the activities and their feedback first, so the status comes last.
    decision = services.decision_screen(
        by=lead, decision=decision, duty_status=Decision.DutyStatus.PLAN_IN_PROGRESS, **screening
    )
    workshop = services.activity_create(
        by=lead,
        state=Activity.State.DONE,
        organisation=cast.org_a,
        decisions=[decision],
        title="Drop-in at Station Road library",
        method=Method.WORKSHOP,
        ladder_level=LadderLevel.INVOLVE,
        starts_on=days_before(60),
        location="Library",
        participants=48,
        responses=31,
        audiences_targeted=[tag("Carers"), tag("Young people")],
        audiences_reached=[tag("Carers")],
    )
    survey = services.activity_create(
        by=lead,
        state=Activity.State.DONE,
        organisation=cast.org_a,
        decisions=[decision],
        title="Online survey on the new site",
        method=Method.SURVEY,
        ladder_level=LadderLevel.CONSULT,
        starts_on=days_before(55),
        ends_on=days_before(35),
        online=True,
        participants=412,
        responses=398,
        audiences_targeted=[tag("Older people")],
        audiences_reached=[tag("Older people")],
    )
    services.activity_record_feedback(
        by=lead,
        activity=workshop,
        feedback_what="You said, we did poster.",
        feedback_given_on=days_before(15),
        feedback_how="a poster and email",
    )
    services.activity_record_feedback(
        by=lead,
        activity=survey,
        feedback_what="Results summary published.",
        feedback_given_on=days_before(14),
        feedback_how="the website",
    )
    attach_file(workshop, lead, "Drop-in notes", days_before(60))
    evidence_services.evidence_add_link(
        by=lead,
        owner=survey,
        url="https://www.example.nhs.uk/survey-results",
        title="Survey results page",
        dated=days_before(30),
    )
    attach_file(decision, lead, "Equality impact assessment", days_before(25))
    decision = services.decision_screen(
        by=lead,
        decision=Decision.objects.get(pk=decision.pk),
        duty_status=Decision.DutyStatus.FEEDBACK_GIVEN,
        **screening,
    )
    coversheet.board_paper_save(by=lead, decision=decision, **BOARD_PAPER)
    return decision


BOARD_PAPER = {
    "meeting": "Alpha ICB Board (meeting in public)",
    "meeting_on": TODAY + datetime.timedelta(days=14),
    "agenda_item": "7.2",
    "paper_reference": "ICB/25/031",
    "author": "Sam Patel, Head of Engagement",
    "lead_director": "Dr Jo Evans, Director of Strategy",
    "purpose": "decision",
    "recommendation": "Approve the move of the minor injuries unit to Station Road.",
    "what_people_said": "460 people told us travel mattered most; opening hours now run to 10pm.",
}


@pytest.fixture
def incomplete(cast):
    """Screened as applying, but with the usual gaps: no feedback, no reach, late evidence, no EIA."""
    lead = cast.a_engagement_lead
    decision = services.decision_create(
        by=lead,
        organisation=cast.org_a,
        title="Close the Beta walk-in centre",
        kind=Decision.Kind.SERVICE_CHANGE,
        actual_date=DECIDED,
    )
    decision = services.decision_screen(
        by=lead,
        decision=decision,
        affects_services=Decision.Answer.YES,
        affects_rationale="Removes a service.",
        substantial_variation=Decision.Answer.YES,
        duty_status=Decision.DutyStatus.PLAN_IN_PROGRESS,
        duties=list(LegalDuty.objects.filter(code="s14Z45")),
    )
    meeting = services.activity_create(
        by=lead,
        state=Activity.State.DONE,
        organisation=cast.org_a,
        decisions=[decision],
        title="Public meeting at the town hall",
        method=Method.PUBLIC_MEETING,
        ladder_level=LadderLevel.CONSULT,
        starts_on=days_before(20),
        audiences_targeted=[tag("People experiencing homelessness")],
    )
    attach_file(meeting, lead, "Late write-up", days_before(-5))
    return decision


# ---------------------------------------------------------------------------------------------
# The structure


def test_a_complete_record_has_no_gaps_and_says_what_happened(complete):
    sheet = coversheet.build_cover_sheet(complete)
    assert sheet.gaps == []
    assert sheet.title == "Relocate the Alpha minor injuries unit" and sheet.duty_applies is True
    details = {r.label: r.value for r in sheet.details}
    assert details["Reference"] == "BP-2025-031" and details["Decision-maker"] == "Alpha ICB Board"
    assert details["Decision taken on"] == f"{DECIDED:%-d %B %Y}"
    assessment = {r.label: r for r in sheet.assessment}
    assert assessment["Does the duty to involve apply?"].value.startswith("Yes.")
    assert assessment["Why"].value == "Patients would travel to a different site for minor injuries."
    assert (
        "s14Z45: Public involvement and consultation by integrated care boards (in force from 1 July 2022)"
        in assessment["Legal duties"].value
    )
    assert f"consulted on {days_before(20):%-d %B %Y}" in assessment["Substantial development or variation"].value
    assert not any(r.missing for r in sheet.assessment)
    assert [a.title for a in sheet.activities] == [
        "Drop-in at Station Road library",
        "Online survey on the new site",
    ]
    workshop, survey = sheet.activities
    assert workshop.participants == "48 people" and workshop.responses == "31 responses"
    assert workshop.not_reached == ["Young people"] and workshop.reached == ["Carers"]
    assert survey.dates == f"{days_before(55):%-d %B %Y} to {days_before(35):%-d %B %Y}"
    assert survey.place == "Online" and survey.ladder_level == "Consult"
    assert sheet.not_reached == ["Young people"]
    assert sheet.reach_statement == "Targeted but not reached: Young people."
    assert {r.label: r.value for r in sheet.reach}["People who took part"] == "460"
    assert sheet.feedback_changes.value.startswith("Opening hours were extended")
    assert [r.value for r in sheet.equality][0] == "EIA-2025-014"
    assert sheet.feedback_statement == "Feedback to participants is recorded for every activity."
    assert workshop.feedback == (f"On {days_before(15):%-d %B %Y}, by a poster and email: You said, we did poster.")
    assert [(e.title, e.dated, e.attached_to, e.kind) for e in sheet.evidence] == [
        ("Drop-in notes", days_before(60), "Drop-in at Station Road library", "File"),
        ("Survey results page", days_before(30), "Online survey on the new site", "Link"),
        ("Equality impact assessment", days_before(25), "The decision", "File"),
    ]
    assert not any(e.after_decision for e in sheet.evidence)


def test_a_decision_with_nothing_recorded_says_so_plainly(cast):
    decision = services.decision_create(
        by=cast.a_contributor,
        organisation=cast.org_a,
        title="New phlebotomy hub",
        kind=Decision.Kind.SERVICE_CHANGE,
    )
    sheet = coversheet.build_cover_sheet(decision)
    assert sheet.activities_statement == "No involvement activity is recorded for this decision."
    for expected in [
        "No involvement activity is recorded for this decision.",
        "The decision has not been screened for the duty to involve.",
        "Whether the duty to involve applies has not been recorded.",
        "No decision date is recorded, so evidence cannot be shown to come before the decision.",
        "No evidence (files or links) is attached to the decision or its activities.",
        "No equality impact assessment reference is recorded.",
        "How health inequalities were considered is not recorded.",
        "Whether the proposal is a substantial development or variation has not been recorded.",
    ]:
        assert expected in sheet.gaps
    assert sheet.duty_applies is None
    assert sheet.evidence == [] and sheet.activities == []


def test_the_usual_gaps_are_each_named(incomplete):
    sheet = coversheet.build_cover_sheet(incomplete)
    assert "Feedback to participants has not been recorded for: Public meeting at the town hall." in sheet.gaps
    assert f"Evidence dated after the decision: Late write-up ({days_before(-5):%-d %B %Y})." in sheet.gaps
    assert "The number of people reached is not recorded for: Public meeting at the town hall." in sheet.gaps
    assert (
        "The proposal is a substantial variation but consultation of the local authority scrutiny committee "
        "is not recorded."
    ) in sheet.gaps
    assert "How feedback changed the proposal is not recorded." in sheet.gaps
    assert "No equality impact assessment reference is recorded." in sheet.gaps
    assert sheet.not_reached == ["People experiencing homelessness"]
    assert sheet.evidence[0].after_decision
    assert sheet.activities[0].feedback == "Feedback to participants has not been recorded."


def test_a_decision_the_duty_does_not_apply_to_is_not_charged_with_missing_involvement(cast):
    lead = cast.a_engagement_lead
    decision = services.decision_create(
        by=lead,
        organisation=cast.org_a,
        title="Renew the cleaning contract",
        kind=Decision.Kind.PROCUREMENT,
        planned_date=TODAY,
    )
    decision = services.decision_screen(
        by=lead,
        decision=decision,
        affects_services=Decision.Answer.NO,
        affects_rationale="Same service, same sites, same hours.",
        substantial_variation=Decision.Answer.NO,
        duty_status=Decision.DutyStatus.NOT_APPLICABLE,
    )
    sheet = coversheet.build_cover_sheet(decision)
    assert sheet.duty_applies is False
    assert sheet.activities_statement == "No involvement activity is recorded for this decision."
    # Only the meeting details are missing: whether or not the duty applies, the paper goes to a meeting.
    assert [g for g in sheet.gaps if not g.startswith("Meeting details not recorded")] == []


def test_activities_after_the_decision_are_named(cast):
    lead = cast.a_engagement_lead
    decision = services.decision_create(
        by=lead,
        organisation=cast.org_a,
        title="Decided early",
        kind=Decision.Kind.OPERATIONAL,
        actual_date=DECIDED,
    )
    services.activity_create(
        by=lead,
        state=Activity.State.DONE,
        organisation=cast.org_a,
        decisions=[decision],
        title="After the fact",
        method=Method.SURVEY,
        ladder_level=LadderLevel.INFORM,
        starts_on=days_before(-3),
        participants=5,
    )
    sheet = coversheet.build_cover_sheet(decision)
    assert (
        f"Activities that started after the decision: After the fact (started {days_before(-3):%-d %B %Y})."
        in sheet.gaps
    )
    assert sheet.activities[0].after_decision


@pytest.mark.parametrize("consulted_offset, late", [(0, False), (-3, True)])
def test_scrutiny_consulted_after_the_decision_is_a_gap(cast, consulted_offset, late):
    decision = make_decision(
        cast.org_a,
        "Move the clinic",
        actual_date=DECIDED,
        substantial_variation="yes",
        scrutiny_consulted_on=DECIDED - datetime.timedelta(days=consulted_offset),
    )
    sheet = coversheet.build_cover_sheet(decision)
    gap = "The scrutiny committee was consulted after the decision date, so it could not have informed the decision."
    assert (gap in sheet.gaps) is late
    row = next(r for r in sheet.assessment if r.label == "Substantial development or variation")
    assert row.missing is late


def test_building_costs_a_fixed_number_of_queries(complete, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        coversheet.build_cover_sheet(complete)


# ---------------------------------------------------------------------------------------------
# The three renderings match the record


def _expected_strings(complete):
    return [
        "Relocate the Alpha minor injuries unit",
        "How the duty to involve has been considered",
        "BP-2025-031",
        "Alpha ICB Board",
        f"{DECIDED:%-d %B %Y}",
        "Patients would travel to a different site for minor injuries.",
        "s14Z45: Public involvement and consultation by integrated care boards",
        "Drop-in at Station Road library",
        "Online survey on the new site",
        "48 people",
        "412 people",
        "Targeted but not reached: Young people.",
        "Opening hours were extended to 10pm after feedback from carers.",
        "EIA-2025-014",
        "Bus routes from the Core20 wards were mapped; a shuttle was added.",
        "You said, we did poster.",
        "Results summary published.",
        "Drop-in notes",
        "Survey results page",
        "https://www.example.nhs.uk/survey-results",
        "Equality impact assessment",
        f"{days_before(60):%-d %B %Y}",
        "No gaps were found in the record.",
        "About this paper",
        "Alpha ICB Board (meeting in public)",
        f"{TODAY + datetime.timedelta(days=14):%-d %B %Y}",
        "ICB/25/031",
        "Sam Patel, Head of Engagement",
        "Dr Jo Evans, Director of Strategy",
        "For decision",
        "Approve the move of the minor injuries unit to Station Road.",
        "460 people told us travel mattered most; opening hours now run to 10pm.",
    ]


def test_the_page_shows_the_record(complete, client_for, cast):
    response = client_for(cast.a_viewer).get(reverse("engagement:cover_sheet", args=[complete.pk]))
    assert response.status_code == 200
    text = flat(re.sub(r"<[^>]+>", " ", response.content.decode()).replace("&#39;", "'"))
    for expected in _expected_strings(complete):
        assert flat(expected) in text, expected
    assert reverse("engagement:cover_sheet_pdf", args=[complete.pk]) in response.content.decode()


def test_the_pdf_matches_the_record(complete, client_for, cast):
    response = client_for(cast.a_viewer).get(reverse("engagement:cover_sheet_pdf", args=[complete.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="cover-sheet-bp-2025-031-relocate-the-alpha-minor-injuries-unit-{TODAY:%Y-%m-%d}.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff" and "no-store" in response["Cache-Control"]
    text = pdf_text(response.content)
    for expected in _expected_strings(complete):
        assert squash(expected) in squash(text), expected
    assert re.search(r"Page 1 of \d", text)


def test_the_docx_matches_the_record(complete, client_for, cast):
    response = client_for(cast.a_viewer).get(reverse("engagement:cover_sheet_docx", args=[complete.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response["Content-Disposition"] == (
        f'attachment; filename="cover-sheet-bp-2025-031-relocate-the-alpha-minor-injuries-unit-{TODAY:%Y-%m-%d}.docx"'
    )
    text = docx_text(response.content)
    for expected in _expected_strings(complete):
        assert flat(expected) in text, expected
    document = docx.Document(io.BytesIO(response.content))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "How the duty to involve has been considered" in headings and "Evidence" in headings
    evidence_table = document.tables[-1]
    assert [c.text for c in evidence_table.rows[0].cells] == [
        "Date",
        "Evidence",
        "Attached to",
        "File or link",
    ]
    assert [row.cells[1].text for row in evidence_table.rows[1:]] == [
        "Drop-in notes",
        "Survey results page",
        "Equality impact assessment",
    ]


def test_gaps_appear_in_all_three(incomplete, client_for, cast):
    client = client_for(cast.a_engagement_lead)
    page = flat(
        re.sub(
            r"<[^>]+>",
            " ",
            client.get(reverse("engagement:cover_sheet", args=[incomplete.pk])).content.decode(),
        )
    )
    pdf = pdf_text(client.get(reverse("engagement:cover_sheet_pdf", args=[incomplete.pk])).content)
    word = docx_text(client.get(reverse("engagement:cover_sheet_docx", args=[incomplete.pk])).content)
    for expected in [
        "Gaps in the record",
        "Feedback to participants has not been recorded for: Public meeting at the town hall.",
        f"Evidence dated after the decision: Late write-up ({days_before(-5):%-d %B %Y}).",
        "No equality impact assessment reference is recorded.",
    ]:
        for label, text in (("page", page), ("pdf", pdf), ("docx", word)):
            assert expected in text, (label, expected)


# ---------------------------------------------------------------------------------------------
# Escaping of user text in HTML, PDF and DOCX

PAYLOADS = ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>']


class _Elements(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, name, attrs):
        self.found.append((name, dict(attrs)))


def _hostile_decision(cast, payload):
    lead = cast.a_engagement_lead
    decision = services.decision_create(
        by=lead,
        organisation=cast.org_a,
        title=f"Title {payload}",
        kind=Decision.Kind.SERVICE_CHANGE,
        actual_date=DECIDED,
        decision_maker=f"Board {payload}",
        summary=f"Summary {payload}",
    )
    decision = services.decision_screen(
        by=lead,
        decision=decision,
        affects_services=Decision.Answer.YES,
        affects_rationale=f"Because {payload}",
        duty_status=Decision.DutyStatus.PLAN_IN_PROGRESS,
        # A vertical tab is valid in the database but not in XML: the DOCX must still open.
        # (NUL never reaches a service: Django's form fields refuse it, and PostgreSQL could not store it.)
        health_inequalities=f"Inequalities {payload}\x0b done",
    )
    activity = services.activity_create(
        by=lead,
        state=Activity.State.DONE,
        organisation=cast.org_a,
        decisions=[decision],
        title=f"Activity {payload}",
        method=Method.OTHER,
        ladder_level=LadderLevel.INFORM,
        starts_on=days_before(5),
    )
    services.activity_record_feedback(
        by=lead,
        activity=activity,
        feedback_what=f"Told them {payload}",
        feedback_given_on=days_before(2),
        feedback_how=f"by {payload}",
    )
    attach_file(activity, lead, f"Evidence {payload}", days_before(4))
    evidence_services.evidence_add_link(
        by=lead,
        owner=decision,
        title=f"Link {payload}",
        dated=days_before(3),
        url="https://example.org/a?b=<script>",
    )
    return decision


@pytest.mark.parametrize("payload", PAYLOADS)
def test_user_text_is_escaped_in_the_page(cast, client_for, payload):
    decision = _hostile_decision(cast, payload)
    body = client_for(cast.a_viewer).get(reverse("engagement:cover_sheet", args=[decision.pk])).content.decode()
    assert payload not in body
    parser = _Elements()
    parser.feed(body)
    assert not [t for t, a in parser.found if t == "script" and not a.get("src") and "nonce" not in a]
    assert not [a for t, a in parser.found if "onerror" in a]
    assert not [a for t, a in parser.found if t == "img" and a.get("src") == "x"]
    assert body.count("&lt;") >= 6


@pytest.mark.parametrize("payload", PAYLOADS)
def test_user_text_is_plain_text_in_the_pdf(cast, payload):
    decision = _hostile_decision(cast, payload)
    sheet = coversheet.build_cover_sheet(decision)
    source = coversheet.render_html(sheet)
    assert payload not in source
    text = pdf_text(coversheet.render_pdf(sheet))
    # The payload is printed as the characters it is, so it was never markup.
    for where in ("Title", "Because", "Activity", "Told them", "Evidence"):
        assert flat(f"{where} {payload}") in text, where
    assert "Inequalities " + payload + " done" in text


@pytest.mark.parametrize("payload", PAYLOADS)
def test_user_text_is_plain_runs_in_the_docx(cast, payload):
    decision = _hostile_decision(cast, payload)
    content = coversheet.render_docx(coversheet.build_cover_sheet(decision))
    text = docx_text(content)
    for where in ("Title", "Because", "Activity", "Told them", "Evidence", "Link"):
        assert f"{where} {payload}" in text, where
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("word/document.xml").decode()
    assert "<script>" not in xml and "<img" not in xml and "&lt;" in xml
    # Control characters that XML cannot hold are dropped instead of breaking the document.
    assert "Inequalities " + payload + " done" in text


def test_the_pdf_fetches_nothing_from_outside():
    fetcher = coversheet._refusing_fetcher()
    for url in (
        "https://evil.example/x.png",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "data:image/png;base64,AAAA",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    from weasyprint import HTML

    document = (
        '<html><head><link rel="stylesheet" href="https://evil.example/x.css"></head><body>'
        '<img src="file:///etc/passwd"><img src="https://evil.example/x.png"><p>ok</p></body></html>'
    )
    fetcher = coversheet._refusing_fetcher()
    pdf = HTML(string=document, base_url="about:blank", url_fetcher=fetcher).write_pdf()
    assert pdf.startswith(b"%PDF") and "ok" in pdf_text(pdf)
    assert set(fetcher.refused) >= {
        "https://evil.example/x.css",
        "file:///etc/passwd",
        "https://evil.example/x.png",
    }


# ---------------------------------------------------------------------------------------------
# Access and timing


def test_cover_sheets_are_404_for_another_organisation_and_readable_by_the_region(complete, client_for, cast):
    for name in ("cover_sheet", "cover_sheet_pdf", "cover_sheet_docx"):
        url = reverse(f"engagement:{name}", args=[complete.pk])
        assert client_for(cast.b_administrator).get(url).status_code == 404, name
        assert client_for(cast.outsider).get(url).status_code == 404, name
        assert client_for(cast.region_reader).get(url).status_code == 200, name
    assert client_for(cast.a_viewer).post(reverse("engagement:cover_sheet", args=[complete.pk])).status_code == 405


def test_render_times_for_a_full_record(complete, record_property):
    sheet = coversheet.build_cover_sheet(complete)
    coversheet.render_pdf(sheet)  # the first render loads fonts
    started = time.perf_counter()
    pdf = coversheet.render_pdf(sheet)
    pdf_seconds = time.perf_counter() - started
    started = time.perf_counter()
    coversheet.render_docx(sheet)
    docx_seconds = time.perf_counter() - started
    record_property("pdf_seconds", round(pdf_seconds, 3))
    record_property("docx_seconds", round(docx_seconds, 3))
    assert pdf.startswith(b"%PDF")
    assert pdf_seconds < 5 and docx_seconds < 2


# ---------------------------------------------------------------------------------------------
# The board paper: front table, details form, service


def visible_text(body: str) -> str:
    """What a person reads on the page: text outside tags, scripts and styles (attributes left out)."""

    class Text(html.parser.HTMLParser):
        def __init__(self):
            super().__init__()
            self.parts, self.skip = [], 0

        def handle_starttag(self, name, attrs):
            self.skip += name in ("script", "style")

        def handle_endtag(self, name):
            self.skip -= name in ("script", "style")

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(data)

    parser = Text()
    parser.feed(body)
    return flat(" ".join(parser.parts))


def details_url(decision):
    return reverse("engagement:cover_sheet_details", args=[decision.pk])


def form_data(**fields):
    """The details form as a browser posts it: the date in three boxes."""
    data = {**BOARD_PAPER, **fields}
    when = data.pop("meeting_on")
    data.update(
        {
            "meeting_on-day": when.day if when else "",
            "meeting_on-month": when.month if when else "",
            "meeting_on-year": when.year if when else "",
        }
    )
    return data


def events(action):
    from involve.audit.models import AuditEvent

    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


@pytest.fixture
def bare(cast):
    return services.decision_create(
        by=cast.a_contributor,
        organisation=cast.org_a,
        title="New phlebotomy hub",
        kind=Decision.Kind.SERVICE_CHANGE,
        actual_date=DECIDED,
    )


def test_the_cover_sheet_opens_with_the_front_of_the_board_paper(complete, client_for, cast):
    sheet = coversheet.build_cover_sheet(complete)
    assert sheet.board_paper_recorded and [(r.label, r.value) for r in sheet.board_paper][:9] == [
        ("Board or committee", "Alpha ICB Board (meeting in public)"),
        ("Date of the meeting", f"{TODAY + datetime.timedelta(days=14):%-d %B %Y}"),
        ("Agenda item", "7.2"),
        ("Paper reference", "ICB/25/031"),
        ("Author", "Sam Patel, Head of Engagement"),
        ("Lead director", "Dr Jo Evans, Director of Strategy"),
        ("Purpose", "For decision"),
        ("Recommendation", "Approve the move of the minor injuries unit to Station Road."),
        (
            "What people said and how it changed the proposal",
            "460 people told us travel mattered most; opening hours now run to 10pm.",
        ),
    ]
    assert sheet.board_paper[9].label == "Version" and sheet.board_paper[9].value.startswith("1, last changed")
    client = client_for(cast.a_viewer)
    page = visible_text(client.get(reverse("engagement:cover_sheet", args=[complete.pk])).content.decode())
    pdf = pdf_text(client.get(reverse("engagement:cover_sheet_pdf", args=[complete.pk])).content)
    word = docx_text(client.get(reverse("engagement:cover_sheet_docx", args=[complete.pk])).content)
    first_table = docx.Document(
        io.BytesIO(client.get(reverse("engagement:cover_sheet_docx", args=[complete.pk])).content)
    ).tables[0]
    assert first_table.rows[0].cells[1].text == "Alpha ICB Board (meeting in public)"
    for label, text in (("page", page), ("pdf", pdf)):
        front = text.index("Alpha ICB Board (meeting in public)")
        assert front < text.index("Approve the move") < text.index("How the duty to involve has been considered"), label
    for label, text in (("page", page), ("pdf", pdf), ("docx", word)):
        assert "Meeting details not recorded" not in text, label


def test_without_a_board_paper_the_sheet_says_so_and_links_to_the_form(bare, client_for, cast):
    sheet = coversheet.build_cover_sheet(bare)
    assert sheet.board_paper == [] and sheet.board_paper_statement == "Meeting details not recorded."
    assert sheet.gaps[0] == (
        "Meeting details not recorded: board or committee; date of the meeting; agenda item; paper reference; "
        "author; lead director; recommendation; what people said and how it changed the proposal."
    )
    page_url = reverse("engagement:cover_sheet", args=[bare.pk])
    editor = client_for(cast.a_contributor).get(page_url).content.decode()
    assert "Meeting details not recorded." in visible_text(editor)
    assert f'href="{details_url(bare)}"' in editor and "Add the board paper details" in editor
    # A viewer cannot fill it in, so is not offered the link.
    viewer = client_for(cast.a_viewer).get(page_url).content.decode()
    assert "Meeting details not recorded." in visible_text(viewer) and details_url(bare) not in viewer
    client = client_for(cast.a_contributor)
    pdf = pdf_text(client.get(reverse("engagement:cover_sheet_pdf", args=[bare.pk])).content)
    word = docx_text(client.get(reverse("engagement:cover_sheet_docx", args=[bare.pk])).content)
    for label, text in (("pdf", pdf), ("docx", word)):
        assert "Meeting details not recorded." in text and sheet.gaps[0] in text, label
        assert "Add the board paper details" not in text, label


def test_only_the_missing_meeting_details_are_listed(bare, cast):
    coversheet.board_paper_save(
        by=cast.a_contributor, decision=bare, meeting="Quality Committee", purpose="assurance", author="Sam Patel"
    )
    sheet = coversheet.build_cover_sheet(bare)
    rows = {r.label: r for r in sheet.board_paper}
    assert rows["Purpose"].value == "For assurance" and not rows["Author"].missing
    assert rows["Agenda item"].value == "Not recorded" and rows["Agenda item"].missing
    assert sheet.gaps[0] == (
        "Meeting details not recorded: date of the meeting; agenda item; paper reference; lead director; "
        "recommendation; what people said and how it changed the proposal."
    )


def test_the_details_form_round_trip(bare, client_for, cast):
    client = client_for(cast.a_contributor)
    page = client.get(details_url(bare))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Board paper details" in body and 'name="meeting_on-day"' in body and 'type="radio"' in body
    assert "For decision" in body and "For assurance" in body and "For information" in body
    # The cover sheet page links to the form.
    assert details_url(bare) in client.get(reverse("engagement:cover_sheet", args=[bare.pk])).content.decode()

    response = client.post(details_url(bare), form_data())
    assert response.status_code == 302 and response["Location"] == reverse("engagement:cover_sheet", args=[bare.pk])
    paper = bare.board_paper.__class__.objects.get(decision=bare)
    assert paper.organisation_id == cast.org_a.pk and paper.meeting == BOARD_PAPER["meeting"]
    assert paper.meeting_on == BOARD_PAPER["meeting_on"] and paper.purpose == "decision"
    [created] = events("board_paper.create")
    assert created.new["meeting"] == BOARD_PAPER["meeting"] and created.target_id == str(paper.pk)

    # Saving the form unchanged changes nothing and records nothing.
    stored = paper.__class__.objects.filter(pk=paper.pk).values().get()
    assert client.post(details_url(bare), form_data()).status_code == 302
    assert paper.__class__.objects.filter(pk=paper.pk).values().get() == stored
    assert events("board_paper.update") == []

    # A real change is one event with only what changed, and a new version.
    assert client.post(details_url(bare), form_data(agenda_item="8.1")).status_code == 302
    [updated] = events("board_paper.update")
    assert updated.old == {"agenda_item": "7.2"} and updated.new == {"agenda_item": "8.1"}
    assert paper.__class__.objects.get(pk=paper.pk).revision == 2
    assert "8.1" in client.get(details_url(bare)).content.decode()

    # A form opened before someone else's save does not overwrite it.
    response = client.post(details_url(bare), {**form_data(agenda_item="9.9"), "revision": 1})
    assert response.status_code == 409 and paper.__class__.objects.get(pk=paper.pk).agenda_item == "8.1"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"meeting": ""}, "Enter the board or committee"),
        ({"meeting": "   "}, "Enter the board or committee"),
        ({"meeting": "x" * 201}, "Board or committee must be 200 characters or fewer"),
        ({"agenda_item": "x" * 21}, "Agenda item must be 20 characters or fewer"),
        ({"paper_reference": "x" * 51}, "Paper reference must be 50 characters or fewer"),
        ({"author": "x" * 201}, "Author must be 200 characters or fewer"),
        ({"lead_director": "x" * 201}, "Lead director must be 200 characters or fewer"),
        ({"recommendation": "x" * 2001}, "Recommendation must be 2,000 characters or fewer"),
        (
            {"what_people_said": "x" * 4001},
            "What people said and how it changed the proposal must be 4,000 characters or fewer",
        ),
        ({"purpose": ""}, "Select what the paper is for"),
        ({"purpose": "for fun"}, "Select what the paper is for"),
    ],
)
def test_the_details_form_explains_each_error_in_words(bare, client_for, cast, fields, message):
    response = client_for(cast.a_contributor).post(details_url(bare), form_data(**fields))
    body = response.content.decode()
    assert response.status_code == 400 and "There is a problem" in body
    assert body.count(message) >= 2  # in the error summary and beside the field
    for default in ("This field is required", "Ensure this value", "Select a valid choice", "This field cannot"):
        assert default not in body
    assert not hasattr_board_paper(bare)


def test_the_details_form_refuses_a_date_that_is_not_real(bare, client_for, cast):
    data = form_data()
    data["meeting_on-month"] = "13"
    body = client_for(cast.a_contributor).post(details_url(bare), data).content.decode()
    assert "Date of the meeting must be a real date" in body


def test_the_service_sets_only_its_fields(bare, cast):
    with pytest.raises(TypeError):
        coversheet.board_paper_save(by=cast.a_contributor, decision=bare, meeting="Board", organisation=cast.org_b)
    with pytest.raises(TypeError):
        coversheet.board_paper_save(by=cast.a_contributor, decision=bare, meeting="Board", version=9)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        coversheet.board_paper_save(by=cast.a_contributor, decision=bare, meeting="", agenda_item="x" * 21)
    assert error.value.message_dict == {
        "meeting": ["Enter the board or committee"],
        "agenda_item": ["Agenda item must be 20 characters or fewer"],
    }
    assert events("board_paper.create") == []


@pytest.mark.parametrize(
    ("person", "status"),
    [
        ("a_viewer", 403),  # reads the decision, may not change it
        ("region_reader", 403),  # reads the ICBs below, changes none
        ("b_administrator", 404),  # another organisation: not even told it exists
        ("b_contributor", 404),
        ("trust_admin", 404),
        ("outsider", 404),
    ],
)
def test_only_people_who_may_change_the_decision_reach_the_details_form(bare, client_for, cast, person, status):
    client = client_for(getattr(cast, person))
    assert client.get(details_url(bare)).status_code == status
    assert client.post(details_url(bare), form_data()).status_code == status
    assert events("board_paper.create") == [] and not hasattr_board_paper(bare)


def hasattr_board_paper(decision):
    from involve.engagement.models import BoardPaper

    return BoardPaper.objects.filter(decision=decision).exists()


def test_the_details_form_needs_sign_in(bare, client):
    response = client.get(details_url(bare))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# ---------------------------------------------------------------------------------------------
# Escaping of every board paper text field

TEXT_FIELDS = [
    "meeting",
    "agenda_item",
    "paper_reference",
    "author",
    "lead_director",
    "recommendation",
    "what_people_said",
]


def _hostile_paper(cast, decision, payload):
    limits = {"agenda_item": 20, "paper_reference": 50}
    fields = {
        name: (f"{name[:1].upper()}{payload}" if name in limits else f"{name} {payload}")[: limits.get(name, 999)]
        for name in TEXT_FIELDS
    }
    coversheet.board_paper_save(by=cast.a_engagement_lead, decision=decision, purpose="information", **fields)
    return fields


@pytest.mark.parametrize("payload", PAYLOADS)
def test_board_paper_text_is_escaped_on_the_page_in_the_pdf_and_in_the_docx(cast, client_for, payload):
    decision = _hostile_decision(cast, payload)
    fields = _hostile_paper(cast, decision, payload)
    client = client_for(cast.a_engagement_lead)
    body = client.get(reverse("engagement:cover_sheet", args=[decision.pk])).content.decode()
    parser = _Elements()
    parser.feed(body)
    assert not [t for t, a in parser.found if t == "script" and not a.get("src") and "nonce" not in a]
    assert not [a for t, a in parser.found if "onerror" in a or a.get("src") == "x"]
    page = visible_text(body)
    for name, value in fields.items():
        assert value in page, name  # shown as the characters typed, never as markup
    form = client.get(details_url(decision)).content.decode()
    parser = _Elements()
    parser.feed(form)
    assert not [a for t, a in parser.found if "onerror" in a or a.get("src") == "x"]
    assert not [t for t, a in parser.found if t == "script" and not a.get("src") and "nonce" not in a]

    sheet = coversheet.build_cover_sheet(decision)
    assert payload not in coversheet.render_html(sheet)
    pdf = pdf_text(coversheet.render_pdf(sheet))
    content = coversheet.render_docx(sheet)
    word = docx_text(content)
    for name, value in fields.items():
        assert squash(value) in squash(pdf), ("pdf", name)
        assert value in word, ("docx", name)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for part in ("word/document.xml", "docProps/core.xml"):
            xml = archive.read(part).decode()
            assert "<script>" not in xml and "<img" not in xml and "&lt;" in xml, part


# ---------------------------------------------------------------------------------------------
# The files themselves: file names, no internal ids, DOCX and PDF formats

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def test_file_names_keep_whole_words_and_no_ids():
    from involve.engagement.coversheet.build import _slug

    title = "Relocate the Alpha minor injuries unit to the new health centre on Station Road in Bexley"
    cut = _slug(title, 60)
    assert cut == "relocate-the-alpha-minor-injuries-unit-to-the-new-health"
    assert len(cut) <= 60 and set(cut.split("-")) <= set(title.lower().split())
    assert _slug("a" * 70, 60) == "a" * 60  # a single word longer than the limit can only be cut
    assert _slug("Short title", 60) == "short-title"


def test_no_internal_id_appears_on_the_page_or_in_the_files(cast, client_for):
    lead = cast.a_engagement_lead
    decision = make_decision(cast.org_a, "Close the Gamma clinic", pk=9876543, actual_date=DECIDED)
    services.activity_create(
        by=lead,
        state=Activity.State.DONE,
        organisation=cast.org_a,
        decisions=[decision],
        title="Listening event",
        method=Method.WORKSHOP,
        ladder_level=LadderLevel.INVOLVE,
        starts_on=days_before(20),
        participants=12,
    )
    attach_file(decision, lead, "Notes", days_before(19))
    coversheet.board_paper_save(by=lead, decision=decision, meeting="Board")
    client = client_for(lead)
    body = client.get(reverse("engagement:cover_sheet", args=[decision.pk])).content.decode()
    assert "9876543" not in visible_text(body)
    pdf_response = client.get(reverse("engagement:cover_sheet_pdf", args=[decision.pk]))
    docx_response = client.get(reverse("engagement:cover_sheet_docx", args=[decision.pk]))
    assert "9876543" not in pdf_text(pdf_response.content)
    assert "9876543" not in docx_text(docx_response.content)
    for response in (pdf_response, docx_response):
        assert "9876543" not in response["Content-Disposition"]
        assert f"close-the-gamma-clinic-{TODAY:%Y-%m-%d}" in response["Content-Disposition"]
    props = docx.Document(io.BytesIO(docx_response.content)).core_properties
    assert "9876543" not in " ".join(str(v) for v in (props.title, props.subject, props.comments, props.author))


def _order_is_schema_order(element, sequence):
    names = [child.tag.replace(W, "w:") for child in element]
    known = [sequence.index(n) for n in names if n in sequence]
    return known == sorted(known)


RPR_ORDER = [
    "w:rStyle",
    "w:rFonts",
    "w:b",
    "w:bCs",
    "w:i",
    "w:iCs",
    "w:caps",
    "w:smallCaps",
    "w:strike",
    "w:dstrike",
    "w:outline",
    "w:shadow",
    "w:emboss",
    "w:imprint",
    "w:noProof",
    "w:snapToGrid",
    "w:vanish",
    "w:webHidden",
    "w:color",
    "w:spacing",
    "w:w",
    "w:kern",
    "w:position",
    "w:sz",
    "w:szCs",
    "w:highlight",
    "w:u",
    "w:effect",
    "w:bdr",
    "w:shd",
    "w:fitText",
    "w:vertAlign",
    "w:rtl",
    "w:cs",
    "w:em",
    "w:lang",
    "w:eastAsianLayout",
    "w:specVanish",
    "w:oMath",
]
TRPR_ORDER = [
    "w:cnfStyle",
    "w:divId",
    "w:gridBefore",
    "w:gridAfter",
    "w:wBefore",
    "w:wAfter",
    "w:cantSplit",
    "w:trHeight",
    "w:tblHeader",
    "w:tblCellSpacing",
    "w:jc",
    "w:hidden",
    "w:ins",
    "w:del",
    "w:trPrChange",
]


def test_the_docx_is_a4_british_english_with_real_headings_and_repeating_table_headers(complete):
    from django.utils import timezone
    from lxml import etree

    content = coversheet.render_docx(coversheet.build_cover_sheet(complete))
    document = docx.Document(io.BytesIO(content))
    section = document.sections[0]
    assert abs(section.page_width.cm - 21.0) < 0.01 and abs(section.page_height.cm - 29.7) < 0.01
    for margin in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin):
        assert 1.5 <= margin.cm <= 2.6

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    # Well-formed XML in every part, and no control characters anywhere.
    for name, data in parts.items():
        if name.endswith((".xml", ".rels")):
            etree.fromstring(data)
            assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", data), name
    assert "docProps/thumbnail.jpeg" not in parts
    styles = etree.fromstring(parts["word/styles.xml"])
    body = etree.fromstring(parts["word/document.xml"])
    default_lang = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert default_lang.get(f"{W}val") == "en-GB"
    for style in ("Normal", "Heading1", "Heading2", "Heading3"):
        lang = styles.find(f"{W}style[@{W}styleId='{style}']/{W}rPr/{W}lang")
        assert lang is not None and lang.get(f"{W}val") == "en-GB", style
    runs = body.findall(f".//{W}r")
    text_runs = [r for r in runs if r.find(f"{W}t") is not None]
    assert text_runs and all(r.find(f"{W}rPr/{W}lang").get(f"{W}val") == "en-GB" for r in text_runs)
    for part in ("word/styles.xml", "word/document.xml"):
        assert "en-US" not in parts[part].decode(), part
    # Elements added by hand are where the schema wants them.
    for rpr in styles.iter(f"{W}rPr"):
        assert _order_is_schema_order(rpr, RPR_ORDER)
    for rpr in body.iter(f"{W}rPr"):
        assert _order_is_schema_order(rpr, RPR_ORDER)
    for trpr in body.iter(f"{W}trPr"):
        assert _order_is_schema_order(trpr, TRPR_ORDER)

    # Real headings, in order, so Word's navigation pane shows the outline.
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:4] == [
        ("Heading 1", complete.title),
        ("Heading 2", "About this paper"),
        ("Heading 2", "About the decision"),
        ("Heading 2", "How the duty to involve has been considered"),
    ]
    assert ("Heading 3", "Evidence") in headings and ("Heading 4", "Drop-in at Station Road library") in headings
    assert not [p for p in document.paragraphs if p.style.name == "Title"]

    # Every table with column headings repeats them at the top of each page; no other row does.
    tables = body.findall(f".//{W}tbl")
    headed = [t for t in tables if t.find(f"{W}tr/{W}trPr/{W}tblHeader") is not None]
    assert len(headed) == 3  # activities, feedback to participants, evidence
    for table in headed:
        rows = table.findall(f"{W}tr")
        assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
        assert all(r.find(f"{W}trPr/{W}tblHeader") is None for r in rows[1:])
    first_rows = [[c.text for c in t.rows[0].cells] for t in document.tables]
    assert ["Activity", "Dates", "Method", "Level", "Reach"] in first_rows
    assert ["Date", "Evidence", "Attached to", "File or link"] in first_rows

    props = document.core_properties
    assert props.created.date() == timezone.localdate() and props.modified.date() == timezone.localdate()
    assert props.title == f"Cover sheet: {complete.title}" and props.author == "Sam Patel, Head of Engagement"
    assert props.language == "en-GB" and props.last_modified_by == "Involve"
    assert "python-docx" not in " ".join(str(v) for v in (props.author, props.comments, props.last_modified_by))
    footer = " ".join(p.text for p in section.footer.paragraphs)
    assert "from the record of BP-2025-031" in footer and "Page" in footer


def _pdf_objects(content: bytes) -> bytes:
    """The PDF with every compressed stream opened, so the catalog can be read."""
    import zlib

    out = [content]
    for match in re.finditer(rb"stream\r?\n", content):
        start = match.end()
        end = content.find(b"endstream", start)
        try:
            out.append(zlib.decompress(content[start:end]))
        except zlib.error:
            pass
    return b"\n".join(out)


def test_the_pdf_is_a4_tagged_titled_and_in_british_english(complete):
    content = coversheet.render_pdf(coversheet.build_cover_sheet(complete))
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(content)
        handle.flush()
        info = subprocess.run(["pdfinfo", handle.name], capture_output=True, check=True, text=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info
    assert re.search(r"^Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)$", info, re.M), info
    assert re.search(r"^Title:\s+Cover sheet: Relocate the Alpha minor injuries unit$", info, re.M), info
    assert re.search(r"^Author:\s+Sam Patel, Head of Engagement$", info, re.M), info
    objects = _pdf_objects(content)
    assert re.search(rb"/MarkInfo\s*<<\s*/Marked\s+true", objects)
    assert b"/StructTreeRoot" in objects and b"/DisplayDocTitle true" in objects
    assert re.search(rb"/Lang\s*\(en-GB\)", objects)
    assert b"pdfuaid:part" in objects  # the PDF/UA identification in the XMP metadata


def test_the_cover_sheet_lists_the_decisions_warnings_by_the_same_definitions(cast):
    from .factories import days

    decision = make_decision(
        cast.org_a, title="Close the ward", actual_date=days(-3), substantial_variation="yes", affects_services="yes"
    )
    listed = Decision.objects.with_warnings().get(pk=decision.pk).warnings
    sheet = coversheet.build_cover_sheet(decision)
    assert listed and all(f"Warning: {w.label}. {w.explanation}" in sheet.gaps for w in listed)


# ---------------------------------------------------------------------------------------------
# Limits: a long cover sheet is made in the background, within a time and a memory limit; files are
# kept by version; one person cannot start many at once.


def file_url(decision, fmt):
    return reverse(f"engagement:cover_sheet_{fmt}", args=[decision.pk])


def cached_files(storage_root, decision, fmt):
    folder = storage_root / limits.CACHE_FOLDER / str(decision.pk)
    return sorted(p for p in folder.glob(f"{fmt}-*")) if folder.exists() else []


@pytest.fixture
def storage_root(tmp_path):
    return tmp_path  # conftest's _isolated_settings puts default_storage here


@pytest.fixture
def everything_large(settings):
    # Makes every sheet "large", so the background path runs on a small record in a few seconds.
    settings.COVER_SHEET_BACKGROUND_ABOVE = 0


def make_longest_decision(org, activities):
    """A decision with every text field the sheet shows at its maximum length, and `activities` like it."""
    from involve.engagement.models import LONG_TEXT, SHORT_TEXT, BoardPaper, Evidence

    words = ("word " * LONG_TEXT).strip()
    decision = make_decision(
        org,
        title="T" * 200,
        reference="R" * 50,
        decision_maker=words[:200],
        summary=words[:LONG_TEXT],
        affects_services=Decision.Answer.YES,
        affects_rationale=words[:SHORT_TEXT],
        health_inequalities=words[:LONG_TEXT],
        plan_notes=words[:LONG_TEXT],
        feedback_changes=words[:LONG_TEXT],
        actual_date=DECIDED,
    )
    BoardPaper.objects.create(
        organisation=org,
        decision=decision,
        meeting=words[:200],
        recommendation=words[:2000],
        what_people_said=words[:4000],
    )
    for i in range(activities):
        activity = Activity.objects.create(
            organisation=org,
            title=f"{i} {words}"[:200],
            method=Method.WORKSHOP,
            ladder_level=LadderLevel.INVOLVE,
            starts_on=days_before(30),
            location=words[:200],
            feedback_what=words[:LONG_TEXT],
            feedback_given_on=days_before(20),
            feedback_how=words[:200],
        )
        activity.decisions.add(decision)
        for j in range(3):
            Evidence.objects.create(
                organisation=org,
                activity=activity,
                title=f"{j} {words}"[:200],
                kind=Evidence.Kind.LINK,
                url="https://example.org/" + "a" * 1900,
                dated=days_before(25),
            )
    return decision


def test_a_long_record_weighs_more_than_the_threshold_and_a_usual_one_less(complete, cast):
    # The thresholds that decide between the request and the background, on records built for real.
    usual = coversheet.build_cover_sheet(complete)
    assert limits.weight(usual) < limits.BACKGROUND_ABOVE["pdf"] / 2
    assert not limits.is_large(usual, "pdf") and not limits.is_large(usual, "docx")
    # Every field at its maximum and 10 activities make a PDF too long for the request. A Word document
    # costs far less (benchmarks/coversheet.py: 1.3 s for 100 such activities), so it stays in the request.
    ten = coversheet.build_cover_sheet(make_longest_decision(cast.org_a, activities=10))
    assert limits.is_large(ten, "pdf") and not limits.is_large(ten, "docx")
    assert limits.weight(ten) > 3 * limits.BACKGROUND_ABOVE["pdf"]


def test_the_weight_grows_with_text_and_with_rows(complete):
    sheet = coversheet.build_cover_sheet(complete)
    more_text = dataclasses.replace(sheet, summary=sheet.summary + "x" * 1000)
    more_rows = dataclasses.replace(sheet, gaps=sheet.gaps + [""] * 10)
    assert limits.weight(more_text) == limits.weight(sheet) + 1000
    assert limits.weight(more_rows) == limits.weight(sheet) + 10 * limits.PIECE_WEIGHT


def test_a_small_sheet_is_drawn_in_the_request_once_and_then_served_from_the_cache(
    complete, client_for, cast, storage_root
):
    for fmt in ("pdf", "docx"):
        before = limits.renders[fmt]
        first = client_for(cast.a_viewer).get(file_url(complete, fmt))
        assert first.status_code == 200
        assert limits.renders[fmt] == before + 1
        [stored] = cached_files(storage_root, complete, fmt)
        stamp = stored.stat().st_mtime_ns
        # Someone else, who reads the decision from the region: the same version, so no drawing.
        second = client_for(cast.region_reader).get(file_url(complete, fmt))
        assert second.status_code == 200
        assert second.content == first.content
        assert limits.renders[fmt] == before + 1
        assert cached_files(storage_root, complete, fmt) == [stored]
        assert stored.stat().st_mtime_ns == stamp
        assert TaskRun.objects.count() == 0


def test_an_edit_to_the_decision_or_an_activity_makes_a_new_file_and_removes_the_old(
    complete, client_for, cast, storage_root
):
    client = client_for(cast.a_engagement_lead)
    client.get(file_url(complete, "pdf"))
    [first] = cached_files(storage_root, complete, "pdf")

    services.decision_update(
        by=cast.a_engagement_lead, decision=complete, summary="Move the unit to Station Road, now."
    )
    before = limits.renders["pdf"]
    assert "now." in pdf_text(client.get(file_url(complete, "pdf")).content)
    assert limits.renders["pdf"] == before + 1
    [second] = cached_files(storage_root, complete, "pdf")
    assert second != first and not first.exists()

    activity = complete.activities.order_by("pk").first()
    services.activity_update(by=cast.a_engagement_lead, activity=activity, location="Station Road library, room 2")
    client.get(file_url(complete, "pdf"))
    assert limits.renders["pdf"] == before + 2
    [third] = cached_files(storage_root, complete, "pdf")
    assert third not in (first, second) and not second.exists()

    # The meeting details entered on the form are on the sheet too.
    coversheet.board_paper_save(by=cast.a_engagement_lead, decision=complete, **{**BOARD_PAPER, "agenda_item": "9.1"})
    client.get(file_url(complete, "pdf"))
    assert limits.renders["pdf"] == before + 3
    # Only the PDF was made; the Word document has no file until someone asks for it.
    assert cached_files(storage_root, complete, "docx") == []


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_a_large_sheet_is_made_in_the_background_and_finishes_with_a_file(
    complete, client_for, cast, storage_root, everything_large, django_capture_on_commit_callbacks, fmt
):
    client = client_for(cast.region_reader)  # a reader of the decision, not its owner
    page = client.get(reverse("engagement:cover_sheet", args=[complete.pk])).content.decode()
    assert f'<form method="post" action="{file_url(complete, fmt)}">' in page
    offer = client.get(file_url(complete, fmt))
    assert offer.status_code == 200 and offer["Content-Type"].startswith("text/html")
    assert "makes the" in offer.content.decode() and cached_files(storage_root, complete, fmt) == []

    before = limits.renders[fmt]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(file_url(complete, fmt))
    run = TaskRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("task_run", args=[run.pk])
    assert (run.status, run.kind, run.requested_by, run.organisation) == (
        TaskRun.Status.DONE,
        f"cover_sheet_{fmt}",
        cast.region_reader,
        cast.region,
    )
    assert limits.renders[fmt] == before + 1
    assert "Download" in client.get(reverse("task_run", args=[run.pk])).content.decode()
    download = client.get(reverse("task_run_download", args=[run.pk]))
    content = b"".join(download.streaming_content)
    assert download["Content-Disposition"].endswith(f'.{fmt}"')
    text = pdf_text(content) if fmt == "pdf" else docx_text(content)
    assert complete.title in text
    # Made once, it is served from the cache, to anyone who reads the decision.
    assert len(cached_files(storage_root, complete, fmt)) == 1
    again = client_for(cast.a_viewer).get(file_url(complete, fmt))
    assert again.status_code == 200 and again.content == content
    assert limits.renders[fmt] == before + 1
    page = client.get(reverse("engagement:cover_sheet", args=[complete.pk])).content.decode()
    assert f'<a href="{file_url(complete, fmt)}" download>' in page


@pytest.mark.parametrize(
    "limit, fmt, words",
    [
        ({"COVER_SHEET_MEMORY_MB": 1}, "pdf", "too large to make as a PDF. Download it as a Word document"),
        ({"COVER_SHEET_SECONDS": 0.3}, "pdf", "too large to make as a PDF"),
        ({"COVER_SHEET_MEMORY_MB": 1}, "docx", "too large to make as a Word document. Shorten"),
    ],
)
def test_a_render_that_hits_a_limit_stops_with_a_plain_message_and_nothing_is_kept(
    complete,
    client_for,
    cast,
    storage_root,
    everything_large,
    settings,
    django_capture_on_commit_callbacks,
    limit,
    fmt,
    words,
):
    for name, value in limit.items():
        setattr(settings, name, value)
    client = client_for(cast.a_viewer)
    started = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(file_url(complete, fmt))
    assert time.perf_counter() - started < 30
    run = TaskRun.objects.get()
    assert response.status_code == 302
    assert run.status == TaskRun.Status.FAILED and run.finished_at
    assert words in run.message and "Something went wrong" not in run.message
    progress = client.get(reverse("task_run", args=[run.pk]))
    assert progress.status_code == 200 and words in " ".join(progress.content.decode().split())
    assert client.get(reverse("task_run_download", args=[run.pk])).status_code == 404
    assert cached_files(storage_root, complete, fmt) == [] and not run.result_file
    # The process that ran the task carries on: the next sheet, small again, is drawn as usual.
    settings.COVER_SHEET_BACKGROUND_ABOVE = limits.BACKGROUND_ABOVE[fmt]
    assert client.get(file_url(complete, fmt)).status_code == 200


def test_the_child_is_stopped_at_the_limits_for_real(complete):
    sheet = coversheet.build_cover_sheet(complete)
    with pytest.raises(limits.TooLarge) as memory:
        limits.render_in_child(sheet, "pdf", seconds=60, memory_bytes=1024 * 1024)
    assert memory.value.limit == "memory"
    started = time.perf_counter()
    with pytest.raises(limits.TooLarge) as timed_out:
        limits.render_in_child(sheet, "pdf", seconds=0.2, memory_bytes=None)
    assert timed_out.value.limit == "time" and time.perf_counter() - started < 5
    # And within them it draws the same file as the request would.
    drawn = limits.render_in_child(sheet, "docx", seconds=60, memory_bytes=2048 * 1024 * 1024)
    assert docx_text(drawn.content) == docx_text(coversheet.render_docx(sheet))
    assert drawn.vm_start_kib < drawn.vm_peak_kib and drawn.max_rss_kib > 0


def test_one_person_may_have_only_two_cover_sheets_being_made(complete, client_for, cast, everything_large):
    # The tasks are not run (no on-commit callbacks here), so the first two stay waiting.
    client = client_for(cast.a_viewer)
    assert client.post(file_url(complete, "pdf")).status_code == 302
    assert client.post(file_url(complete, "docx")).status_code == 302
    assert TaskRun.objects.filter(requested_by=cast.a_viewer).count() == 2
    busy = client.post(file_url(complete, "pdf"))
    assert busy.status_code == 429
    text = " ".join(busy.content.decode().split())
    assert "You already have 2 cover sheets being made. Wait for them to finish" in text
    assert TaskRun.objects.count() == 2
    # Someone else is not held up by them.
    assert client_for(cast.a_contributor).post(file_url(complete, "pdf")).status_code == 302
    # Once one finishes, the person may ask again.
    TaskRun.objects.filter(requested_by=cast.a_viewer, kind="cover_sheet_pdf").update(status=TaskRun.Status.DONE)
    assert client.post(file_url(complete, "pdf")).status_code == 302


def test_a_small_sheet_posted_for_is_not_queued(complete, client_for, cast):
    client = client_for(cast.a_viewer)
    for fmt in ("pdf", "docx"):
        response = client.post(file_url(complete, fmt))
        assert response.status_code == 302 and response["Location"] == file_url(complete, fmt)
    assert TaskRun.objects.count() == 0


def test_a_cover_sheet_task_is_only_the_askers(
    complete, client_for, cast, everything_large, django_capture_on_commit_callbacks
):
    for who in (cast.b_administrator, cast.outsider):
        assert client_for(who).post(file_url(complete, "pdf")).status_code == 404
    assert TaskRun.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        client_for(cast.a_viewer).post(file_url(complete, "pdf"))
    run = TaskRun.objects.get()
    assert client_for(cast.a_viewer).get(reverse("task_run_download", args=[run.pk])).status_code == 200
    # As with the audit export: the progress page and the file are the asker's; anyone else gets 404.
    for who in (cast.b_administrator, cast.outsider, cast.a_administrator, cast.region_reader):
        assert client_for(who).get(reverse("task_run", args=[run.pk])).status_code == 404
        assert client_for(who).get(reverse("task_run_download", args=[run.pk])).status_code == 404


def test_a_long_word_gets_places_to_break_so_the_pdf_stays_quick(cast):
    # WeasyPrint's time grows with the square of a word it must break inside: one 2,000-character web
    # address took 69 s before the PDF gave it places to break (<wbr>), 1.4 s after.
    decision = make_decision(cast.org_a, title="A" * 60, actual_date=DECIDED)
    url = "https://www.example.nhs.uk/" + "abcdefghij&" * 179
    evidence_services.evidence_add_link(by=cast.a_engagement_lead, owner=decision, url=url, title="Long", dated=DECIDED)
    sheet = coversheet.build_cover_sheet(decision)
    html = coversheet.render_html(sheet)
    broken = coversheet.pdf.break_long_words(html)
    assert "<wbr>" in broken and re.search(r"&[#\w]*<wbr>[#\w]*;", broken) is None  # no entity cut in two
    assert broken.split("<body>")[0] == html.split("<body>")[0]  # the title and styles are as they were
    assert broken.replace("<wbr>", "") == html
    started = time.perf_counter()
    pdf = coversheet.render_pdf(sheet)
    assert time.perf_counter() - started < 20
    assert squash(url) in squash(pdf_text(pdf)) and "A" * 60 in squash(pdf_text(pdf))


def test_deleting_a_decision_removes_its_stored_cover_sheets_once_committed(
    cast, client_for, storage_root, django_capture_on_commit_callbacks
):
    decision = make_decision(cast.org_a, title="Close the walk-in centre")
    client = client_for(cast.a_engagement_lead)
    for fmt in ("pdf", "docx"):
        assert client.get(file_url(decision, fmt)).status_code == 200
    assert cached_files(storage_root, decision, "pdf") and cached_files(storage_root, decision, "docx")
    kept = make_decision(cast.org_a, title="Keep the hub")
    assert client.get(file_url(kept, "pdf")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        services.decision_delete(by=cast.a_engagement_lead, decision=decision)
    assert cached_files(storage_root, decision, "pdf") == [] and cached_files(storage_root, decision, "docx") == []
    assert len(cached_files(storage_root, kept, "pdf")) == 1  # another decision's file stays
