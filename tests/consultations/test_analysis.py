"""Closed-question analysis on a known set of responses: counts, percentages and bases, FFT shares,
ratings, "choose several", grids, cross-tabs by question and by equality characteristic, the analysis,
cross-tab and summary pages, the summary PDF, and the response export parsed back."""

import csv
import datetime
import io
import re
import subprocess
import tempfile
import types

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from involve.consultations import analysis, charts
from involve.consultations.models import Question
from involve.equality.models import EqualityRecord

from .factories import make_consultation, make_question, make_response

pytestmark = pytest.mark.django_db
K = Question.Kind


@pytest.fixture
def known(cast):
    """Twelve responses with known answers (threshold 5)."""
    c = make_consultation(cast.org_a, title="Known answers")
    q = types.SimpleNamespace(
        choice=make_question(c, K.SINGLE_CHOICE, "Do you drive?", code="drive"),
        fft=make_question(c, K.FFT, "Overall experience", code="fft"),
        rating=make_question(c, K.RATING, "Rate the clinic", code="rate"),
        several=make_question(c, K.MULTIPLE_CHOICE, "How do you travel?", code="travel"),
        grid=make_question(c, K.GRID, "How much do you agree?", code="grid"),
        text=make_question(c, K.FREE_TEXT, "Anything else?", code="comment"),
    )
    choices = ["c1"] * 7 + ["c2"] * 3 + ["c3"] * 2
    fft = ["very_good"] * 7 + ["good"] * 5
    ratings = [5] * 6 + [4] * 6
    several = [["c1", "c2"]] * 6 + [["c1"]] * 4 + [["c3"]] + [["c1"]]
    sexes = ["female"] * 5 + ["male"] * 2 + ["female"] * 3 + ["male"] * 2
    responses = []
    for i in range(12):
        r = make_response(
            c,
            {
                q.choice: choices[i],
                q.fft: fft[i],
                q.rating: ratings[i],
                q.several: several[i],
                q.grid: {"s1": "agree", "s2": "disagree" if i < 6 else "agree"},
                q.text: '=HYPERLINK("http://x")' if i == 0 else f"Comment {i}",
            },
            service="Ward 3",
            submitted_at=timezone.now() - datetime.timedelta(days=i),
        )
        EqualityRecord.objects.create(
            organisation=cast.org_a, subject_kind="consultation_response", subject_id=r.pk, sex=sexes[i]
        )
        responses.append(r)
    return types.SimpleNamespace(consultation=c, q=q, responses=responses)


def _result(analysed, question):
    return next(item for item in analysed.closed if item.question.pk == question.pk)


def _bars(dist):
    return {b.key: (b.count, b.percent) for b in dist.bars}


def test_one_choice_counts_percentages_and_base(known):
    a = analysis.analyse(known.consultation)
    assert a.responses == 12
    dist = _result(a, known.q.choice).distributions[0]
    # 3 and 2 are under 5; the base is the 12 who answered.
    assert _bars(dist) == {"c1": (7, 58), "c2": (None, None), "c3": (None, None)}
    assert dist.base == 12 and "12 people who answered this question (12 responses in all)" in dist.base_text


def test_fft_positive_and_negative_keep_dont_know_in_the_base(known):
    dist = _result(analysis.analyse(known.consultation), known.q.fft).distributions[0]
    assert _bars(dist)["very_good"] == (7, 58) and _bars(dist)["good"] == (5, 42)
    assert _bars(dist)["dont_know"] == (None, None)  # zero, under the threshold
    positive, negative = dist.shares
    assert (positive.count, positive.percent) == (12, 100)
    # Poor and very poor are both hidden (zeros): their share is not shown.
    assert negative.percent is None
    assert "Don't know" in _result(analysis.analyse(known.consultation), known.q.fft).note


def test_fft_shares_when_no_bar_is_hidden(cast):
    c = make_consultation(cast.org_a, title="FFT only", suppression_threshold=1)
    fft = make_question(c, K.FFT)
    for key, n in (("very_good", 6), ("good", 2), ("neither", 1), ("poor", 1), ("very_poor", 1), ("dont_know", 1)):
        for _ in range(n):
            make_response(c, {fft: key})
    dist = _result(analysis.analyse(c), fft).distributions[0]
    positive, negative = dist.shares
    # Don't know is in the base of 12: 8 positive (67%), 2 negative (17%).
    assert (positive.count, positive.percent) == (8, 67)
    assert (negative.count, negative.percent) == (2, 17)


def test_rating_distribution_and_mean(known):
    dist = _result(analysis.analyse(known.consultation), known.q.rating).distributions[0]
    assert _bars(dist)["5"] == (6, 50) and _bars(dist)["4"] == (6, 50)
    assert dist.mean == 4.5


def test_several_choices_are_shares_of_people_and_can_exceed_100(known):
    item = _result(analysis.analyse(known.consultation), known.q.several)
    dist = item.distributions[0]
    assert _bars(dist) == {"c1": (11, 92), "c2": (6, 50), "c3": (None, None)}
    assert sum(b.percent or 0 for b in dist.bars) > 100
    assert "more than 100%" in item.note


def test_grid_has_one_distribution_per_statement(known):
    item = _result(analysis.analyse(known.consultation), known.q.grid)
    s1, s2 = item.distributions
    assert _bars(s1)["agree"] == (12, 100)
    assert _bars(s2)["agree"] == (6, 50) and _bars(s2)["disagree"] == (6, 50)


def test_free_text_questions_are_counted(known):
    a = analysis.analyse(known.consultation)
    assert [(q.code, n) for q, n in a.free_text] == [("comment", 12)]


def test_the_analysis_takes_a_fixed_number_of_queries(known, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        analysis.analyse(known.consultation)


def _dim(consultation, key):
    return next(
        d for d in (*analysis.question_dimensions(consultation), *analysis.equality_dimensions()) if d.key == key
    )


def test_crosstab_by_another_question_is_suppressed(known):
    c = known.consultation
    t = analysis.crosstab(c, _dim(c, f"q:{known.q.choice.pk}"), _dim(c, f"q:{known.q.fft.pk}"))
    labels = t.column_labels()
    assert labels[0] == "Very good" and labels[-1] == "Not answered"
    # c1 (7 people): the first 7 responses are all "very good": 7 shown; everything else small.
    assert t.table.cells[0][0] == 7
    shown = [v for row in t.table.cells for v in row if v is not None]
    assert all(v >= 5 for v in shown)
    assert t.table.total == 12


def test_crosstab_by_an_equality_characteristic_shows_only_suppressed_totals(known):
    c = known.consultation
    t = analysis.crosstab(c, _dim(c, f"q:{known.q.choice.pk}"), _dim(c, "eq:sex"))
    female = t.columns.options.index(("female", "Female"))
    male = t.columns.options.index(("male", "Male"))
    # c1: 5 women and 2 men; c2: 3 women; c3: 2 men. Only the 5 could be shown, but the row's 7 would
    # then give the 2 away: every cell is hidden. The 4 men are hidden, and so the 8 women (12 - 8).
    assert t.table.cells[0][female] is None and t.table.cells[0][male] is None
    assert t.table.column_totals[male] is None and t.table.column_totals[female] is None
    assert t.table.total == 12
    assert all(v is None or v >= 5 for row in t.table.cells for v in row)


def test_crosstab_with_several_choices_counts_people_in_each(known):
    c = known.consultation
    t = analysis.crosstab(c, _dim(c, f"q:{known.q.several.pk}"), _dim(c, f"q:{known.q.rating.pk}"))
    assert t.table.row_totals[0] == 11 and t.table.total == 12


def test_a_chart_draws_a_suppressed_bar_as_a_star_and_escapes_labels():
    bars = [analysis.Bar("a", "<b>Yes</b>", 10, 67), analysis.Bar("b", "No", None, None)]
    svg = str(charts.bar_chart("Question <1>", bars, base_text="Base: 15", chart_id="c1"))
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "<b>" not in svg and "&lt;b&gt;Yes&lt;/b&gt;" in svg
    assert svg.count("<rect") == 1 and ">*</text>" in svg
    assert "No: suppressed" in svg


def test_the_analysis_page_shows_counts_charts_and_tables(cast, client_for, known):
    html = (
        client_for(cast.a_viewer).get(reverse("consultations:analysis", args=[known.consultation.pk])).content.decode()
    )
    assert "Do you drive?" in html and "<svg" in html and "Data table: Do you drive?" in html
    assert "58%" in html and "Base: 12 people who answered this question" in html
    assert "*<span" in html  # a suppressed count


def test_the_crosstab_page(cast, client_for, known):
    c = known.consultation
    url = reverse("consultations:crosstab", args=[c.pk])
    client = client_for(cast.a_viewer)
    assert client.get(url).status_code == 200
    html = client.get(url, {"rows": f"q:{known.q.choice.pk}", "columns": "eq:sex"}).content.decode()
    assert "Female" in html and "Total" in html
    bad = client.get(url, {"rows": "q:999999", "columns": "eq:nothing"})
    assert bad.status_code == 400 and "There is a problem" in bad.content.decode()
    same = client.get(url, {"rows": f"q:{known.q.choice.pk}", "columns": f"q:{known.q.choice.pk}"})
    assert same.status_code == 400


def test_the_summary_page_and_its_tagged_pdf(cast, client_for, known):
    client = client_for(cast.a_viewer)
    html = client.get(reverse("consultations:summary", args=[known.consultation.pk])).content.decode()
    assert "Summary report" in html and "<svg" in html and "Data table" in html
    response = client.get(reverse("consultations:summary_pdf", args=[known.consultation.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    # PDF/UA: a structure tree (tagged), marked content, the title shown.
    from ..engagement.test_coversheet import _pdf_objects

    objects = _pdf_objects(pdf)
    assert re.search(rb"/MarkInfo\s*<<\s*/Marked\s+true", objects)
    assert b"/StructTreeRoot" in objects and b"/DisplayDocTitle true" in objects and b"pdfuaid:part" in objects
    assert re.search(rb"/Lang\s*\(en-GB\)", objects)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        info = subprocess.run(["pdfinfo", handle.name], capture_output=True, check=True, text=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info
    assert re.search(r"^Title:\s+Summary report: Known answers$", info, re.M), info


def _export(client, consultation, fmt, **params):
    return client.get(reverse("consultations:response_export", args=[consultation.pk, fmt]), params)


def test_the_csv_export_has_a_column_per_question_and_no_formulas(cast, client_for, known):
    response = _export(client_for(cast.a_viewer), known.consultation, "csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:4] == ["Reference", "Channel", "Submitted", "Service"]
    assert "travel: How do you travel?" in header
    by_reference = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    first = by_reference[known.responses[0].reference]
    assert first["travel: How do you travel?"] == "Yes; No"
    assert first["comment: Anything else?"].startswith("'=")
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell
    # Equality answers are never in this export.
    assert "Female" not in response.content.decode() and "sex" not in header


def test_the_xlsx_export_has_dates_as_dates_no_formulas_and_a_styled_frozen_filtered_header(cast, client_for, known):
    from involve.consultations.models import Answer

    Answer.objects.filter(question=known.q.text, response=known.responses[1]).update(text="+SUM(A1)")
    Answer.objects.filter(question=known.q.text, response=known.responses[2]).update(text="@cmd")
    Answer.objects.filter(question=known.q.text, response=known.responses[3]).update(text="-2+3")
    response = _export(client_for(cast.a_viewer), known.consultation, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref and sheet["A1"].font.bold
    submitted = header.index("Submitted")
    for row in sheet.iter_rows(min_row=2):
        assert isinstance(row[submitted].value, datetime.datetime)
        for cell in row:
            assert cell.data_type != "f", cell.value
            if isinstance(cell.value, str):
                assert not cell.value.startswith(("=", "+", "-", "@")), cell.value
    assert sheet.max_row == 13


def test_the_export_filters_by_question_and_date(cast, client_for, known):
    client = client_for(cast.a_viewer)
    today = timezone.localdate()
    since = today - datetime.timedelta(days=2)
    response = _export(
        client,
        known.consultation,
        "csv",
        question=[str(known.q.choice.pk)],
        **{"date_from-day": since.day, "date_from-month": since.month, "date_from-year": since.year},
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Reference", "Channel", "Submitted", "Service", "drive: Do you drive?"]
    assert len(rows) == 1 + 3  # submitted today, yesterday and the day before


def test_an_export_is_audited(cast, client_for, known):
    from involve.audit.models import AuditEvent

    _export(client_for(cast.a_viewer), known.consultation, "csv")
    assert AuditEvent.objects.filter(action="responses.export").count() == 1


@pytest.mark.parametrize(
    "params",
    [
        {"question": ["abc", "99999999999999999999999"]},
        {"date_from-day": "٣", "date_from-month": "2", "date_from-year": "2024"},
        {"date_to-day": "31", "date_to-month": "2", "date_to-year": "99999"},
        {"question": ["\x00"], "date_from-day": ""},
    ],
)
def test_odd_export_filters_are_ignored_not_a_500(cast, client_for, known, params):
    client = client_for(cast.a_viewer)
    for fmt in ("csv", "xlsx"):
        assert _export(client, known.consultation, fmt, **params).status_code == 200
    assert _export(client, known.consultation, "pdf").status_code == 404
