"""CSV and XLSX exports that never let a spreadsheet evaluate text typed by a person.

In XLSX the header row is bold, frozen and has filter buttons; dates and numbers stay typed.

Every exporter declares its columns once, as (header, value) pairs, turns them into a header and rows
with table(), and hands those to csv_response() or xlsx_response(); both pass each cell through
safe_cell(), so the formula-injection rule (OWASP ASVS 1.2.10) lives in one place.
"""

import csv
import datetime
import io
import re

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "|", "%")
# Control characters other than tab/newline are invalid in XLSX and pointless in CSV.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_cell(value):
    """Numbers, dates and booleans pass through; text that could start a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | datetime.date | datetime.datetime):
        if isinstance(value, datetime.datetime) and value.tzinfo is not None:
            return value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value
    # Strip control characters first, so that one cannot hide a trigger behind it.
    text = _CONTROL.sub("", str(value))
    if text.startswith(FORMULA_TRIGGERS):
        text = "'" + text
    return text


def table(columns, records):
    """The header and rows of an export from one list of (header, value) pairs.

    Each value is a function of one record that gives its cell, typed (a date as a date, a number as a
    number, None for an empty cell), so the XLSX keeps real dates and numbers. Because a column's header
    and its value are written side by side, neither can drift from the other.
    """
    headers = [header for header, _ in columns]
    if len(set(headers)) != len(headers):
        repeated = sorted({h for h in headers if headers.count(h) > 1})
        raise ValueError(f"An export names a column twice: {', '.join(repeated)}")
    values = [value for _, value in columns]
    return headers, [[value(record) for value in values] for record in records]


def _filename(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "export"


# A separator other than the file's own, then (spaces or quotes and) a trigger: where a spreadsheet splits
# at ";" or tabs, that is the start of a cell, so it gets the quote too ("Leeds;=1+1" -> "Leeds;'=1+1").
_SEPARATED_TRIGGER = re.compile(r"([,;\t])([\s\"]*)(?=[=+\-@|%\0])")


def _csv_cell(value):
    value = safe_cell(value)
    return _SEPARATED_TRIGGER.sub(r"\1\2'", value) if isinstance(value, str) else value


# Excel keeps at most this many characters in a cell and calls a longer one damaged.
XLSX_CELL_MAX = 32_767
XLSX_SHORTENED = " [shortened: a spreadsheet cell holds 32,767 characters; the whole text is in Involve]"


def csv_bytes(header, rows) -> bytes:
    buffer = io.StringIO()
    # Every text field in quotes, so that a spreadsheet splitting at commas keeps each whole; one splitting
    # at ";" or tabs (many locales do) ignores those quotes, which is why _csv_cell also guards inside a
    # field. Numbers stay bare, so they stay numbers.
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow([_csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    # BOM so Excel opens UTF-8 text (names with accents) correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(header, rows, title="Export") -> bytes:
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append([_xlsx_cell(h) for h in header])
    for row in rows:
        sheet.append([_xlsx_cell(v) for v in row])
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                # openpyxl treats any string starting with "=" as a formula; pin every string as text.
                cell.data_type = TYPE_STRING
    _style_header(sheet, len(header))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HEADER_FILL = "E8EDEE"  # NHS pale grey


def _style_header(sheet, columns):
    """The header row bold on a pale fill, frozen above the rows, with filter buttons on every column."""
    if not columns:
        return
    bold, fill = Font(bold=True), PatternFill("solid", start_color=HEADER_FILL, end_color=HEADER_FILL)
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = fill
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{max(sheet.max_row, 1)}"


def _xlsx_cell(value):
    value = safe_cell(value)
    if isinstance(value, str) and len(value) > XLSX_CELL_MAX:
        return value[: XLSX_CELL_MAX - len(XLSX_SHORTENED)] + XLSX_SHORTENED
    return value


def download_response(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{_filename(filename)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def csv_response(header, rows, filename) -> HttpResponse:
    return download_response(csv_bytes(header, rows), f"{filename}.csv", "text/csv; charset=utf-8")


def xlsx_response(header, rows, filename, title="Export") -> HttpResponse:
    return download_response(
        xlsx_bytes(header, rows, title),
        f"{filename}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
