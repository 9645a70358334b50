import csv
import datetime
import io

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from involve.core.exports import (
    FORMULA_TRIGGERS,
    XLSX_CELL_MAX,
    XLSX_SHORTENED,
    csv_bytes,
    safe_cell,
    table,
    xlsx_bytes,
)

PAYLOADS = [
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "\t=1+1",
    "=1+1",
    "%0A=1",
]


def _csv_cells(content):
    return [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for cell in row]


def _xlsx_cells(content):
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [cell for row in sheet.iter_rows() for cell in row]


def test_every_formula_trigger_is_neutralised_in_csv():
    cells = _csv_cells(csv_bytes(["Comment"], [[p] for p in PAYLOADS]))
    assert all(not c.startswith(FORMULA_TRIGGERS) for c in cells)
    assert '\'=HYPERLINK("http://evil.example","click")' in cells


def test_xlsx_has_no_formula_cells_and_numbers_stay_numbers():
    rows = [[p, -3, datetime.date(2026, 4, 1)] for p in PAYLOADS]
    cells = _xlsx_cells(xlsx_bytes(["Comment", "Count", "Date"], rows))
    assert not [c for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert all(not t.startswith(FORMULA_TRIGGERS) for t in texts)
    assert [c.value for c in cells if c.column == 2][1:] == [-3] * len(PAYLOADS)


def test_a_control_character_cannot_hide_a_formula():
    assert safe_cell("\x01=1+1") == "'=1+1"


@given(st.text())
def test_no_exported_text_can_start_a_formula(text):
    value = safe_cell(text)
    assert not value.startswith(FORMULA_TRIGGERS)
    # Nothing else changes: the text minus control characters, with at most one quote in front.
    kept = "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 32)
    assert value in (kept, "'" + kept)


@given(st.lists(st.text(max_size=30), min_size=1, max_size=5))
def test_csv_round_trips_ordinary_text(row):
    cells = _csv_cells(csv_bytes(["h"] * len(row), [row]))[len(row) :]
    assert len(cells) == len(row)
    assert all(not c.startswith(FORMULA_TRIGGERS) for c in cells)


COLUMNS = [
    ("Name", lambda r: r["name"]),
    ("Visited on (empty if not yet)", lambda r: r.get("on")),
    ("Cost (£)", lambda r: r.get("cost")),
]


def test_table_builds_the_header_and_every_row_from_one_list_of_columns():
    records = [{"name": "Ward 1", "on": datetime.date(2026, 4, 1), "cost": 12.5}, {"name": "=1+1"}]
    header, rows = table(COLUMNS, records)
    assert header == ["Name", "Visited on (empty if not yet)", "Cost (£)"]
    assert rows == [["Ward 1", datetime.date(2026, 4, 1), 12.5], ["=1+1", None, None]]
    assert all(len(row) == len(header) for row in rows)
    # Typed values survive into the XLSX; text is still neutralised there and in the CSV.
    cells = _xlsx_cells(xlsx_bytes(header, rows))
    assert [c.value for c in cells if c.row == 2] == ["Ward 1", datetime.datetime(2026, 4, 1), 12.5]
    assert "'=1+1" in _csv_cells(csv_bytes(header, rows))


def test_table_of_no_records_is_just_the_header():
    assert table(COLUMNS, []) == (["Name", "Visited on (empty if not yet)", "Cost (£)"], [])


def test_table_refuses_a_header_named_twice():
    with pytest.raises(ValueError, match="Name"):
        table([*COLUMNS, ("Name", lambda r: r["name"])], [])


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_no_separator_a_spreadsheet_chooses_can_expose_a_formula(delimiter):
    rows = [["Leeds;=1+1", "York\t=2+2", "Hull,=3+3", 4, datetime.date(2026, 4, 1)]]
    content = csv_bytes(["Place", "Other", "More", "Count", "Date"], rows).decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(content), delimiter=delimiter) for cell in row]
    assert [c for c in cells if c.startswith(FORMULA_TRIGGERS)] == []


def test_csv_numbers_stay_bare_so_spreadsheets_read_them_as_numbers():
    content = csv_bytes(["Count", "Share"], [[-3, 0.5]]).decode("utf-8-sig")
    assert content.splitlines()[1] == "-3,0.5"


def test_an_xlsx_cell_over_excels_limit_is_shortened_with_a_marker():
    long_text = "x" * 40_000
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(["Comment"], [[long_text], ["short"]]))).active
    cell = sheet["A2"].value
    assert len(cell) == XLSX_CELL_MAX
    assert cell.endswith(XLSX_SHORTENED) and cell.startswith("xxx")
    assert sheet["A3"].value == "short"
