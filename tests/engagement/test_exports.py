"""CSV and XLSX exports of the engagement lists: nothing a spreadsheet can run, only readable rows."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from involve.core.exports import FORMULA_TRIGGERS

from .factories import (
    days,
    make_activity,
    make_decision,
    make_objective,
    make_partner,
    make_programme,
    make_terms,
)

pytestmark = pytest.mark.django_db

PAYLOADS = ['=HYPERLINK("http://evil.example","click")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3"]
EXPORTS = ["decision_export", "activity_export", "programme_export", "partner_export"]


def rows_of(response, fmt):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert not formulas
    return [[c.value for c in row] for row in sheet.iter_rows()]


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
def test_exports_neutralise_formulas(cast, client_for, poisoned, name, fmt):
    response = client_for(cast.a_viewer).get(reverse(f"engagement:{name}", args=[fmt]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    rows = rows_of(response, fmt)
    texts = [cell for row in rows for cell in row if isinstance(cell, str)]
    assert not [t for t in texts if t.startswith(FORMULA_TRIGGERS)]
    for payload in PAYLOADS:
        assert "'" + payload in texts  # kept, with the quote that stops it running
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
    assert row[header.index("Warnings")] == "No involvement evidence"
    assert row[header.index("Planned decision date")].date() == days(3)


def test_numbers_stay_numbers(cast, client_for):
    from decimal import Decimal

    make_activity(cast.org_a, participants=42, cost=Decimal("99.50"))
    rows = rows_of(client_for(cast.a_viewer).get(reverse("engagement:activity_export", args=["xlsx"])), "xlsx")
    header, row = rows
    assert row[header.index("People who took part")] == 42
    assert row[header.index("Cost (£)")] == 99.5
