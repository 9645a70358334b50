"""Board paper cover sheets: built from the record, with every gap stated, and the same content in the
page, the PDF (read back with pdftotext) and the DOCX (read back with python-docx)."""

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
from involve.engagement import coversheet, services
from involve.engagement import evidence as evidence_services
from involve.engagement.models import AudienceTag, Decision, LadderLevel, LegalDuty, Method

from ..test_uploads import minimal_pdf

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
        out = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", handle.name, "-"], capture_output=True, check=True
        )
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
    decision = services.decision_screen(
        by=lead,
        decision=decision,
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
        duty_status=Decision.DutyStatus.FEEDBACK_GIVEN,
    )
    workshop = services.activity_create(
        by=lead,
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
    return decision


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
    assert (
        f"consulted on {days_before(20):%-d %B %Y}"
        in assessment["Substantial development or variation"].value
    )
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
    assert workshop.feedback == (
        f"On {days_before(15):%-d %B %Y}, by a poster and email: You said, we did poster."
    )
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
    assert (
        "Feedback to participants has not been recorded for: Public meeting at the town hall." in sheet.gaps
    )
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
    assert sheet.gaps == []


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
    decision = Decision.objects.create(
        organisation=cast.org_a, title="Move the clinic", kind=Decision.Kind.SERVICE_CHANGE, actual_date=DECIDED,
        substantial_variation="yes", scrutiny_consulted_on=DECIDED - datetime.timedelta(days=consulted_offset),
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
        f'attachment; filename="cover-sheet-{complete.pk}-relocate-the-alpha-minor-injuries-unit.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff" and response["Cache-Control"] == "no-store"
    text = pdf_text(response.content)
    for expected in _expected_strings(complete):
        assert squash(expected) in squash(text), expected
    assert re.search(r"Page 1 of \d", text)


def test_the_docx_matches_the_record(complete, client_for, cast):
    response = client_for(cast.a_viewer).get(reverse("engagement:cover_sheet_docx", args=[complete.pk]))
    assert response.status_code == 200
    assert (
        response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert response["Content-Disposition"].startswith(f'attachment; filename="cover-sheet-{complete.pk}-')
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
    body = (
        client_for(cast.a_viewer).get(reverse("engagement:cover_sheet", args=[decision.pk])).content.decode()
    )
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
        assert client_for(cast.a_viewer).post(url).status_code == 405, name


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
