"""The issue's "done when", in a real browser: an engagement lead records a decision, screens it, logs two
activities with evidence (a file upload and a link), records feedback to participants, and downloads the
cover sheet as PDF and DOCX whose content matches what was entered. Every page on the way is checked
with axe (browse.check)."""

import datetime
import io
import re
import subprocess
import tempfile

import docx
import pytest

from involve.audit.models import AuditEvent
from involve.core.dates import today
from involve.engagement.models import Activity, Decision, Evidence

from ..core.test_uploads import minimal_pdf
from .conftest import sign_in

pytestmark = pytest.mark.e2e

TODAY = today()
DECIDED = TODAY - datetime.timedelta(days=7)
WORKSHOP_ON = TODAY - datetime.timedelta(days=60)
SURVEY_FROM = TODAY - datetime.timedelta(days=50)
SURVEY_TO = TODAY - datetime.timedelta(days=30)
FEEDBACK_ON = TODAY - datetime.timedelta(days=20)


def long_date(d):
    return f"{d:%-d %B %Y}"


def fill_date(page, name, when):
    page.fill(f'input[name="{name}-day"]', str(when.day))
    page.fill(f'input[name="{name}-month"]', str(when.month))
    page.fill(f'input[name="{name}-year"]', str(when.year))


def submit(page):
    with page.expect_navigation():
        page.locator("#main-form button").last.click()


def squash(text):
    # pdftotext joins wrapped lines and drops a hyphen where a line broke after it.
    return re.sub(r"[\s\-]", "", text)


def pdf_text(content):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(content)
        handle.flush()
        return subprocess.run(
            ["pdftotext", "-enc", "UTF-8", handle.name, "-"], capture_output=True, check=True
        ).stdout.decode()


def docx_text(content):
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return " ".join(" ".join(parts).split())


def download(page, link_text):
    with page.expect_download() as info:
        page.get_by_role("link", name=link_text).click()
    with open(info.value.path(), "rb") as handle:
        return info.value.suggested_filename, handle.read()


def add_activity(
    page,
    browse,
    decision_pk,
    *,
    title,
    method,
    level,
    starts,
    ends=None,
    people,
    responses,
    targeted,
    reached,
):
    page.goto(f"/engagement/decisions/{decision_pk}/")
    page.get_by_role("link", name="Add an activity that informed this decision").click()
    browse.check(page, "add an activity", key="add an activity")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Method", exact=True).select_option(label=method)
    page.get_by_label(level, exact=True).check()
    page.get_by_role("group", name=re.compile("^Has it taken place")).get_by_label("Done", exact=True).check()
    fill_date(page, "starts_on", starts)
    if ends:
        fill_date(page, "ends_on", ends)
    page.fill('input[name="participants"]', str(people))
    page.fill('input[name="responses"]', str(responses))
    for name in targeted:
        page.get_by_role("group", name=re.compile("^Audiences it aimed to reach")).get_by_label(
            name, exact=True
        ).check()
    for name in reached:
        page.get_by_role("group", name=re.compile("^Audiences it reached")).get_by_label(name, exact=True).check()
    assert page.locator('input[name="decisions"]:checked').count() == 1
    submit(page)
    assert page.get_by_role("heading", level=1).inner_text() == title
    return Activity.objects.get(title=title)


def record_feedback(page, browse, *, what, how, when):
    page.get_by_text("Record feedback to participants", exact=True).click()
    browse.check(page, "record feedback", key="record feedback")
    page.get_by_label("What were participants told?").fill(what)
    fill_date(page, "feedback_given_on", when)
    page.get_by_label("How was it given?").fill(how)
    submit(page)


def test_an_engagement_lead_evidences_a_decision_and_downloads_its_cover_sheet(browse, cast, tmp_path):
    lead = cast.a_engagement_lead
    page = browse.new_page()
    sign_in(page, lead)

    # 1. Record the decision.
    page.goto("/engagement/decisions/add/")
    browse.check(page, "add a decision", key="add a decision")
    page.get_by_label("Title", exact=True).fill("Move the Alpha minor injuries unit to Station Road")
    page.get_by_label("Reference (optional)").fill("BP-2025-077")
    page.get_by_label("Decision-maker (optional)").fill("Alpha ICB Board")
    page.get_by_label("Service change", exact=True).check()
    fill_date(page, "actual_date", DECIDED)
    submit(page)
    decision = Decision.objects.get(title="Move the Alpha minor injuries unit to Station Road")
    assert page.url.endswith(f"/engagement/decisions/{decision.pk}/")
    browse.check(page, "decision page", key="decision page")

    # 2. Screen it for the duty to involve.
    page.get_by_text("Screen for the duty to involve", exact=True).click()
    browse.check(page, "screen a decision", key="screen a decision")
    page.locator('input[name="affects_services"][value="yes"]').check()
    page.get_by_label("Reasons for your answer").fill("Patients would go to a different site for minor injuries.")
    # Two duties: a "choose several" question must keep every tick (it was once drawn as radios).
    page.get_by_label("s14Z45: Public involvement and consultation by integrated care boards").check()
    page.get_by_label("Equality Act s149: Public sector equality duty").check()
    page.locator('input[name="substantial_variation"][value="no"]').check()
    page.get_by_label("Equality impact assessment reference (optional)").fill("EIA-2025-077")
    page.get_by_label("How health inequalities were considered (optional)").fill(
        "Travel times from the Core20 wards were mapped."
    )
    page.get_by_label("How feedback changed the proposal (optional)").fill(
        "Evening opening was added after carers asked for it."
    )
    # "Feedback given" is refused while the record has no involvement to support it, and says why.
    page.locator('input[name="duty_status"][value="feedback_given"]').check()
    with page.expect_navigation():
        page.locator("#main-form button").last.click()
    browse.check(page, "screening refused", key="screening refused")
    assert "No involvement activity or evidence is linked to the decision" in page.content()
    assert page.locator('input[name="duties"]:checked').count() == 2  # nothing typed is lost
    page.locator('input[name="duty_status"][value="plan_in_progress"]').check()
    submit(page)
    decision.refresh_from_db()
    assert decision.affects_services == "yes" and decision.duty_status == "plan_in_progress"
    assert sorted(decision.duties.values_list("code", flat=True)) == ["Equality Act s149", "s14Z45"]
    # Opening the screening and saving it unchanged keeps both duties and writes nothing.
    events = AuditEvent.objects.count()
    with page.expect_navigation():
        page.get_by_text("Change the screening", exact=True).click()
    assert page.locator('input[name="duties"]:checked').count() == 2
    submit(page)
    assert sorted(decision.duties.values_list("code", flat=True)) == ["Equality Act s149", "s14Z45"]
    assert AuditEvent.objects.count() == events

    # 3. Two activities, each with evidence and feedback to participants.
    workshop = add_activity(
        page,
        browse,
        decision.pk,
        title="Drop-in at Station Road library",
        method="Workshop",
        level="Involve",
        starts=WORKSHOP_ON,
        people=48,
        responses=31,
        targeted=["Carers", "Young people"],
        reached=["Carers"],
    )
    page.get_by_role("link", name="Upload a file as evidence").click()
    browse.check(page, "upload evidence", key="upload evidence")
    page.get_by_label("Title", exact=True).fill("Notes from the drop-in")
    page.locator('input[type="file"][name="file"]').set_input_files(
        files=[
            {
                "name": "drop-in notes.pdf",
                "mimeType": "application/pdf",
                "buffer": minimal_pdf("Notes from the drop-in"),
            }
        ]
    )
    fill_date(page, "dated", WORKSHOP_ON)
    submit(page)
    assert "Evidence added: Notes from the drop-in" in page.content()
    record_feedback(
        page,
        browse,
        what="You said, we did poster at the library.",
        how="a poster and email",
        when=FEEDBACK_ON,
    )

    survey = add_activity(
        page,
        browse,
        decision.pk,
        title="Online survey on the new site",
        method="Survey",
        level="Consult",
        starts=SURVEY_FROM,
        ends=SURVEY_TO,
        people=412,
        responses=398,
        targeted=["Older people"],
        reached=["Older people"],
    )
    page.get_by_role("link", name="Add a link as evidence").click()
    browse.check(page, "link evidence", key="link evidence")
    page.get_by_label("Title", exact=True).fill("Survey results page")
    page.get_by_label("Web address").fill("https://www.example.nhs.uk/survey-results")
    fill_date(page, "dated", SURVEY_TO)
    submit(page)
    assert "Evidence added: Survey results page" in page.content()
    record_feedback(page, browse, what="Results summary emailed to everyone who asked.", how="email", when=FEEDBACK_ON)

    # Now the record supports it: the decision moves on to "Feedback given".
    page.goto(f"/engagement/decisions/{decision.pk}/")
    page.get_by_text("Change the screening", exact=True).click()
    page.locator('input[name="duty_status"][value="feedback_given"]').check()
    submit(page)
    decision.refresh_from_db()
    assert decision.duty_status == "feedback_given"

    # The board paper's front: the meeting it goes to.
    page.goto(f"/engagement/decisions/{decision.pk}/cover-sheet/details/")
    browse.check(page, "board paper details", key="board paper details")
    page.get_by_label("Board or committee").fill("Alpha ICB Board")
    fill_date(page, "meeting_on", DECIDED)
    page.get_by_label("Agenda item (optional)").fill("7.2")
    page.get_by_label("Paper reference (optional)").fill("BP-2025-077")
    page.get_by_label("Author (optional)").fill("Sam Patel, Head of Engagement")
    page.get_by_label("Lead director (optional)").fill("Dr Ada Jones, Director of Strategy")
    page.get_by_label("Recommendation (optional)").fill("The board is asked to approve the move.")
    page.fill('textarea[name="what_people_said"]', "Carers asked for evening opening; it was added.")
    submit(page)

    file_evidence = Evidence.objects.get(activity=workshop)
    assert file_evidence.kind == "file" and file_evidence.original_name == "drop-in notes.pdf"
    assert Evidence.objects.get(activity=survey).url == "https://www.example.nhs.uk/survey-results"

    # 4. The cover sheet: the page, then the PDF and the DOCX downloads.
    page.goto(f"/engagement/decisions/{decision.pk}/")
    page.get_by_role("link", name=re.compile("^Cover sheet for")).click()
    browse.check(page, "cover sheet", key="cover sheet")
    assert "No gaps were found in the record." in page.content()

    pdf_name, pdf = download(page, "Download the cover sheet as a PDF")
    docx_name, word = download(page, "Download the cover sheet as a Word document")
    assert pdf_name == (
        f"cover-sheet-bp-2025-077-move-the-alpha-minor-injuries-unit-to-station-road-{TODAY:%Y-%m-%d}.pdf"
    )
    assert docx_name.endswith(".docx") and pdf.startswith(b"%PDF")
    expected = [
        "Move the Alpha minor injuries unit to Station Road",
        "BP-2025-077",
        "Alpha ICB Board",
        long_date(DECIDED),
        "The board is asked to approve the move.",
        "Sam Patel, Head of Engagement",
        "How the duty to involve has been considered",
        "Patients would go to a different site for minor injuries.",
        "s14Z45: Public involvement and consultation by integrated care boards",
        "Drop-in at Station Road library",
        "Online survey on the new site",
        long_date(WORKSHOP_ON),
        f"{long_date(SURVEY_FROM)} to {long_date(SURVEY_TO)}",
        "48 people",
        "412 people",
        "Targeted but not reached: Young people.",
        "EIA-2025-077",
        "Travel times from the Core20 wards were mapped.",
        "Evening opening was added after carers asked for it.",
        "You said, we did poster at the library.",
        "Results summary emailed to everyone who asked.",
        "Notes from the drop-in",
        "drop-in notes.pdf",
        "Survey results page",
        "https://www.example.nhs.uk/survey-results",
        "No gaps were found in the record.",
    ]
    pdf_flat, word_flat = squash(pdf_text(pdf)), docx_text(word)
    for text in expected:
        assert squash(text) in pdf_flat, ("pdf", text)
        assert text in word_flat, ("docx", text)

    # The evidence file itself comes back through the permission-checked download, as an attachment.
    page.goto(f"/engagement/activities/{workshop.pk}/")
    name, body = download(page, re.compile("^Download drop-in notes.pdf"))
    assert name == f"evidence-{file_evidence.pk}-notes-from-the-drop-in.pdf" and body == minimal_pdf(
        "Notes from the drop-in"
    )
    browse.assert_clean()
