"""CSV and XLSX exports of the engagement lists: nothing a spreadsheet can run, only readable rows."""

import csv
import datetime
import io
import types
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from involve.core.exports import FORMULA_TRIGGERS
from involve.engagement import exports
from involve.engagement.models import Activity, Decision, ImprovementObjective, LegalDuty, VCSEPartner

from .factories import (
    days,
    make_activity,
    make_decision,
    make_evidence,
    make_objective,
    make_partner,
    make_programme,
    make_tag,
    make_terms,
)

pytestmark = pytest.mark.django_db

# The last is harmless in one cell, and a formula once a spreadsheet splits the CSV at ";".
PAYLOADS = ['=HYPERLINK("http://evil.example","click")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "Leeds;=1+1"]
EXPORTS = ["decision_export", "activity_export", "programme_export", "partner_export"]


def rows_of(response, fmt, delimiter=","):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter))
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert not formulas
    return [[c.value for c in row] for row in sheet.iter_rows()]


def formula_cells(response, fmt, delimiter=","):
    """Cells a spreadsheet would run: formulas (XLSX), or text starting with a trigger."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "xlsx":
        cells = [c for row in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows() for c in row]
        return sum(1 for c in cells if c.data_type == "f" or str(c.value or "").startswith(FORMULA_TRIGGERS))
    rows = csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter)
    return sum(1 for row in rows for cell in row if cell.startswith(FORMULA_TRIGGERS))


@pytest.fixture
def poisoned(cast):
    org = cast.org_a
    for i, payload in enumerate(PAYLOADS):
        programme = make_programme(org, payload, description=payload)
        make_objective(programme, payload)
        decision = make_decision(
            org,
            payload,
            programme=programme,
            summary=payload,
            reference=payload[:50],
            decision_maker=payload,
            affects_rationale=payload,
            plan_notes=payload,
            feedback_changes=payload,
            eia_reference=payload,
            health_inequalities=payload,
        )
        partner = make_partner(org, payload, description=payload)
        make_terms(partner, version=str(i))
        activity = make_activity(
            org,
            payload,
            programme=programme,
            decisions=[decision],
            outputs=payload,
            description=payload,
            location=payload,
            public_partner_roles=payload,
            feedback_what=payload,
            feedback_how=payload,
            participants=3,
        )
        activity.partners.add(partner)
    make_decision(cast.org_b, "Beta only decision")
    make_activity(cast.org_b, "Beta only activity")
    make_programme(cast.org_b, "Beta only programme")
    make_partner(cast.org_b, "Beta only partner")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("name", EXPORTS)
def test_exports_neutralise_formulas(cast, client_for, poisoned, name, fmt, scorecard):
    response = client_for(cast.a_viewer).get(reverse(f"engagement:{name}", args=[fmt]))
    assert response.status_code == 200
    # Spreadsheets in many locales split CSV at ";" (and some at tabs): no separator may expose a formula.
    readings = [formula_cells(response, fmt, d) for d in ([",", ";", "\t"] if fmt == "csv" else [","])]
    cells = sum(len(row) for row in rows_of(response, fmt)) * len(readings)
    scorecard.add(scorecard.FORMULA_CELLS, found=sum(readings), checked=cells)
    assert readings == [0] * len(readings)
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    rows = rows_of(response, fmt)
    texts = [cell for row in rows for cell in row if isinstance(cell, str)]
    assert not [t for t in texts if t.startswith(FORMULA_TRIGGERS)]
    for payload in PAYLOADS[:-1]:
        assert "'" + payload in texts  # kept, with the quote that stops it running
    assert ("Leeds;'=1+1" if fmt == "csv" else "Leeds;=1+1") in texts
    assert len(rows) == 1 + len(PAYLOADS)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("name", EXPORTS)
def test_exports_hold_only_rows_the_person_may_read(cast, client_for, poisoned, name, fmt):
    a_rows = rows_of(client_for(cast.a_viewer).get(reverse(f"engagement:{name}", args=[fmt])), fmt)
    b_rows = rows_of(client_for(cast.b_viewer).get(reverse(f"engagement:{name}", args=[fmt])), fmt)
    region_rows = rows_of(client_for(cast.region_reader).get(reverse(f"engagement:{name}", args=[fmt])), fmt)
    organisations = {row[0] for row in a_rows[1:]}
    assert organisations == {cast.org_a.name}
    assert {row[0] for row in b_rows[1:]} == {cast.org_b.name} and len(b_rows) == 2
    assert {row[0] for row in region_rows[1:]} == {cast.org_a.name, cast.org_b.name}


def test_exports_follow_the_lists_filters(cast, client_for, poisoned):
    response = client_for(cast.a_viewer).get(reverse("engagement:decision_export", args=["csv"]), {"q": "SUM"})
    rows = rows_of(response, "csv")
    assert [row[3] for row in rows[1:]] == ["'@SUM(1)"]


def test_an_unknown_format_is_404(cast, client_for):
    for name in EXPORTS:
        assert client_for(cast.a_viewer).get(reverse(f"engagement:{name}", args=["html"])).status_code == 404


def test_decision_export_has_warnings_and_duties(cast, client_for):
    make_decision(cast.org_a, "Near", affects_services="yes", planned_date=days(3))
    rows = rows_of(client_for(cast.a_viewer).get(reverse("engagement:decision_export", args=["xlsx"])), "xlsx")
    header, row = rows
    assert row[header.index("Warnings (empty if none)")] == "No involvement evidence"
    assert row[header.index("Planned decision date")].date() == days(3)


def test_numbers_stay_numbers(cast, client_for):
    from decimal import Decimal

    make_activity(cast.org_a, participants=42, cost=Decimal("99.50"))
    rows = rows_of(client_for(cast.a_viewer).get(reverse("engagement:activity_export", args=["xlsx"])), "xlsx")
    header, row = rows
    assert row[header.index("People who took part")] == 42
    assert row[header.index("Cost (£)")] == 99.5


def test_numbers_and_dates_stay_typed_in_xlsx(cast, client_for):
    make_activity(cast.org_a, starts_on=days(-3), expected_participants=50, feedback_given_on=days(-1))
    header, row = rows_of(client_for(cast.a_viewer).get(reverse("engagement:activity_export", args=["xlsx"])), "xlsx")
    assert row[header.index("People expected to take part")] == 50
    assert row[header.index("Start date")].date() == days(-3)
    assert row[header.index("Feedback given on")].date() == days(-1)
    assert row[header.index("People who took part")] is None  # empty, not 0 or ""


# --- One source for each export's columns: the header and every row agree ---------------------------


@pytest.mark.parametrize(
    "columns", [exports.DECISION_COLUMNS, exports.ACTIVITY_COLUMNS, exports.PROGRAMME_COLUMNS, exports.PARTNER_COLUMNS]
)
def test_each_export_declares_every_column_once_with_a_value(columns):
    headers = [header for header, _ in columns]
    assert len(set(headers)) == len(headers)
    assert all(isinstance(header, str) and header for header in headers)
    assert all(callable(value) for _, value in columns)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("name", EXPORTS)
def test_every_row_is_as_long_as_the_header(cast, client_for, poisoned, known, name, fmt):
    rows = rows_of(client_for(cast.a_viewer).get(reverse(f"engagement:{name}", args=[fmt])), fmt)
    header, body = rows[0], rows[1:]
    assert body and all(len(row) == len(header) for row in body)
    assert len(set(header)) == len(header)


@pytest.fixture
def known(cast):
    """One record of each kind, every exported field filled in with a value that can be told apart."""
    org = cast.org_a
    programme = make_programme(org, "Urgent care", description="Same-day care closer to home")
    make_objective(programme, "Open two hubs", status=ImprovementObjective.Status.ON_TRACK, target_date=days(90))
    make_objective(programme, "Cut waits", status=ImprovementObjective.Status.AT_RISK, target_date=days(30))
    decision = make_decision(
        org,
        "Move the walk-in centre",
        programme=programme,
        reference="GB-2026-14",
        decision_maker="ICB board",
        kind=Decision.Kind.SERVICE_CHANGE,
        planned_date=days(-10),
        actual_date=days(-5),
        affects_services=Decision.Answer.YES,
        affects_rationale="The centre moves across town",
        substantial_variation=Decision.Answer.YES,
        scrutiny_consulted_on=days(-20),
        eia_reference="EIA-77",
        health_inequalities="Bus routes checked",
        plan_methods=["survey", "workshop", "no-longer-a-method"],
        plan_notes="Two drop-ins and a survey",
        feedback_changes="Opening hours extended",
        duty_status=Decision.DutyStatus.INVOLVEMENT_COMPLETE,
        # 23:30 UTC on 31 March 2026 is 00:30 on 1 April in London (BST): the export gives the local date.
        screened_at=datetime.datetime(2026, 3, 31, 23, 30, tzinfo=datetime.UTC),
        summary="The walk-in centre moves to the new hub",
    )
    duties = list(LegalDuty.objects.order_by("code")[:2])
    assert len(duties) == 2  # seeded by migration 0002
    decision.duties.set(duties)
    decision.affected_organisations.set([cast.org_b, cast.org_a_trust])
    older = make_decision(org, "Adopt the five-year plan", kind=Decision.Kind.STRATEGIC_PLAN, planned_date=days(200))
    zebra = make_partner(org, "Zebra Carers", kind=VCSEPartner.Kind.VCSE)
    healthwatch = make_partner(
        org,
        "Healthwatch Alpha",
        kind=VCSEPartner.Kind.HEALTHWATCH,
        contact_email="info@healthwatch.example",
        website="https://healthwatch.example",
    )
    make_terms(healthwatch, version="1", agreed_on=days(-400), review_on=days(-300))
    make_terms(healthwatch, version="2", agreed_on=days(-100), review_on=days(-1))
    activity = make_activity(
        org,
        "Walk-in centre drop-in",
        decisions=[decision, older],
        programme=programme,
        description="Come and tell us",
        state=Activity.State.DONE,
        method="public_meeting",
        ladder_level="consult",
        starts_on=days(-8),
        ends_on=days(-7),
        location="Town hall",
        online=True,
        public_partners=2,
        public_partner_roles="Co-chairs",
        expected_participants=50,
        participants=42,
        responses=30,
        cost=Decimal("99.50"),
        outputs="Report of the drop-in",
        feedback_what="You said, we did",
        feedback_given_on=days(-2),
        feedback_how="Newsletter",
    )
    activity.partners.set([zebra, healthwatch])
    activity.audiences_targeted.set([make_tag(org, "Young carers"), make_tag(org, "Bus users")])
    activity.audiences_reached.set([make_tag(org, "Parents")])
    make_evidence(decision, dated=days(-9))
    return types.SimpleNamespace(decision=decision, duties=duties, activity=activity, healthwatch=healthwatch)


def csv_records(client, name):
    header, *body = rows_of(client.get(reverse(f"engagement:{name}", args=["csv"])), "csv")
    return [dict(zip(header, row, strict=True)) for row in body]


def test_a_decision_round_trips_through_the_csv(cast, client_for, known):
    records = csv_records(client_for(cast.a_viewer), "decision_export")
    record = next(r for r in records if r["Title"] == "Move the walk-in centre")
    assert record == {
        "Organisation": "NHS Alpha ICB",
        "ODS code": "QAA",
        "Reference": "GB-2026-14",
        "Title": "Move the walk-in centre",
        "Programme (empty if none)": "Urgent care",
        "Decision-maker (board or committee)": "ICB board",
        "Type of decision": "Service change",
        "Organisations it affects": "Alpha Hospitals NHS Trust; NHS Beta ICB",
        "Decision date (taken, else planned)": days(-5).isoformat(),
        "Planned decision date": days(-10).isoformat(),
        "Date taken (empty if not taken yet)": days(-5).isoformat(),
        "Affects how services are delivered or the range of services (Yes, No, Not yet known)": "Yes",
        "Why it does or does not affect services": "The centre moves across town",
        "Legal duties that apply (codes)": "; ".join(d.code for d in known.duties),
        "Substantial development or variation": "Yes",
        "Scrutiny committee consulted on": days(-20).isoformat(),
        "Equality impact assessment reference": "EIA-77",
        "How health inequalities were considered": "Bus routes checked",
        "Involvement methods planned": "Survey; Workshop",
        "Involvement plan": "Two drop-ins and a survey",
        "How feedback changed the proposal": "Opening hours extended",
        "Duty to involve: status": "Involvement complete",
        "Screened on (empty if not screened yet)": "2026-04-01",
        # Evidence on day -9 and the drop-in on day -8 came before the decision on day -5.
        "Warnings (empty if none)": "",
        "Summary": "The walk-in centre moves to the new hub",
    }
    other = next(r for r in records if r["Title"] == "Adopt the five-year plan")
    assert other["Decision date (taken, else planned)"] == other["Planned decision date"] == days(200).isoformat()
    assert other["Date taken (empty if not taken yet)"] == ""
    assert other["Organisations it affects"] == other["Programme (empty if none)"] == ""
    assert other["Screened on (empty if not screened yet)"] == ""
    assert other["Affects how services are delivered or the range of services (Yes, No, Not yet known)"] == (
        "Not yet known"
    )


def test_an_activity_round_trips_through_the_csv(cast, client_for, known):
    [record] = csv_records(client_for(cast.a_viewer), "activity_export")
    assert record == {
        "Organisation": "NHS Alpha ICB",
        "ODS code": "QAA",
        "Title": "Walk-in centre drop-in",
        "Programme (empty if none)": "Urgent care",
        "Has it taken place?": "Done",
        "Method": "Public meeting",
        "Level of participation": "Consult",
        "Start date": days(-8).isoformat(),
        "End date (empty if not given)": days(-7).isoformat(),
        "Place": "Town hall",
        "Held online": "Yes",
        "People expected to take part": "50",
        "People who took part": "42",
        "Responses": "30",
        "Patient and public partners involved (number)": "2",
        "Their roles": "Co-chairs",
        "VCSE partners": "Healthwatch Alpha; Zebra Carers",
        "Audiences targeted": "Bus users; Young carers",
        "Audiences reached": "Parents",
        "Decisions it informed": "Adopt the five-year plan; Move the walk-in centre",
        "Cost (£)": "99.5",
        "Outputs": "Report of the drop-in",
        "Feedback given on": days(-2).isoformat(),
        "How feedback was given": "Newsletter",
        "Feedback given to participants": "You said, we did",
        "Description": "Come and tell us",
    }


def test_a_planned_activity_leaves_what_happened_empty(cast, client_for):
    make_activity(cast.org_a, "Future panel", starts_on=days(10), expected_participants=12)
    [record] = csv_records(client_for(cast.a_viewer), "activity_export")
    assert record["Has it taken place?"] == "Planned"
    assert record["People expected to take part"] == "12"
    assert record["People who took part"] == record["Responses"] == record["Feedback given on"] == ""
    assert record["Cost (£)"] == record["End date (empty if not given)"] == ""
    assert record["Held online"] == "No"


def test_a_programme_round_trips_through_the_csv(cast, client_for, known):
    [record] = csv_records(client_for(cast.a_viewer), "programme_export")
    assert record == {
        "Organisation": "NHS Alpha ICB",
        "ODS code": "QAA",
        "Programme": "Urgent care",
        "Description": "Same-day care closer to home",
        "Decisions (number)": "1",
        "Activities (number)": "1",
        "Improvement objectives (status in brackets)": "Cut waits (at risk); Open two hubs (on track)",
    }


def test_a_partner_round_trips_through_the_csv(cast, client_for, known):
    records = {r["Partner"]: r for r in csv_records(client_for(cast.a_viewer), "partner_export")}
    assert records["Healthwatch Alpha"] == {
        "Organisation": "NHS Alpha ICB",
        "ODS code": "QAA",
        "Partner": "Healthwatch Alpha",
        "Type": "Local Healthwatch",
        "Contact email address": "info@healthwatch.example",
        "Website": "https://healthwatch.example",
        "Activities (number)": "1",
        "Latest terms: version (empty if none agreed)": "2",
        "Latest terms: agreed on": days(-100).isoformat(),
        "Latest terms: review due": days(-1).isoformat(),
        "Terms status (empty if in date)": "Review overdue",
    }
    zebra = records["Zebra Carers"]
    assert zebra["Latest terms: version (empty if none agreed)"] == zebra["Latest terms: agreed on"] == ""
    assert zebra["Terms status (empty if in date)"] == "No terms agreed"
