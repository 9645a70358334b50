"""Reading an uploaded CSV or XLSX file into a heading row and data rows, with every problem a person
can fix reported in words (never an exception for anything in the file itself).

CSV: UTF-8 (with or without a byte order mark) or Windows-1252, which is what Excel saves as "CSV" on
Windows; anything else is refused with what to do. XLSX: through openpyxl in read-only mode, after
core.uploads has checked the container (entries, expanded size and ratio, macros, links) — see
check_upload(); formulas are read as their text ("=SUM(A1)"), never worked out.

Rows are numbered as the spreadsheet numbers them: the heading row is row 1, the first answer row 2.
"""

import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field

# Limits. A cell longer than the longest answer is reported against its row; a cell longer than
# CELL_HARD_LIMIT stops the reading (the csv module's own limit, raised from its 128 KB default).
MAX_ROWS = 2_000_000
MAX_COLUMNS = 200
MAX_CELL = 10_000
CELL_HARD_LIMIT = 1_048_576
MAX_HEADING = 500
csv.field_size_limit(max(csv.field_size_limit(), CELL_HARD_LIMIT))

ENCODING_PROBLEM = "The file is not in a text encoding we can read: save it as CSV UTF-8 and upload it again"
# C0 control characters other than tab, line feed and carriage return: a binary file, or UTF-16.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class Problem:
    row: int | None  # None: the whole file
    column: str
    reason: str

    def as_dict(self):
        return {"row": self.row, "column": self.column, "reason": self.reason}


class FileProblem(Exception):
    """The file cannot be read at all: one problem, reported on its own."""

    def __init__(self, reason, row=None, column=""):
        super().__init__(reason)
        self.problem = Problem(row, column, reason)


@dataclass
class Table:
    headings: list[str]
    # (row number, [cell values]): str, or for XLSX also int, float, bool, datetime; None for empty.
    rows: list = field(default_factory=list)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def decode(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem(ENCODING_PROBLEM)  # UTF-16, Excel's "Unicode text"
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError:
            raise FileProblem(ENCODING_PROBLEM) from None
    if _CONTROL.search(text):
        raise FileProblem(ENCODING_PROBLEM)
    return text


def _delimiter(first_line: str) -> str:
    # Excel in some European settings writes semicolons; tab-separated text is common too.
    if "," in first_line:
        return ","
    for candidate in (";", "\t"):
        if candidate in first_line:
            return candidate
    return ","


def _csv_reader(content: bytes):
    text = decode(content)
    if not text.strip():
        raise FileProblem("The file is empty")
    first_line = text.split("\n", 1)[0]
    return csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line), strict=False)


def read_csv(content: bytes) -> Table:
    return _table(_csv_rows(_csv_reader(content)), text_only=True)


def head(content: bytes, kind: str, rows: int = 20) -> Table:
    """The headings and the first few answer rows (examples on the mapping page)."""
    if kind == "xlsx":
        table = read_xlsx(content)
        table.rows = table.rows[:rows]
        return table
    import itertools

    return _table(itertools.islice(_csv_rows(_csv_reader(content)), rows + 1), text_only=True)


def peek(content: bytes, kind: str) -> tuple[list[str], int]:
    """(headings, number of answer rows): what the upload needs, without keeping the rows of a CSV."""
    if kind == "xlsx":
        table = read_xlsx(content)
        return table.headings, len(table.rows)
    rows = _csv_rows(_csv_reader(content))
    table = _table(rows, text_only=True, stop_after_heading=True)
    count = 0
    for raw in rows:
        if "".join(raw).strip():
            count += 1
            if count > MAX_ROWS:
                raise FileProblem(f"The file has more than {MAX_ROWS:,} rows: split it into smaller files")
    return table.headings, count


def _csv_rows(reader):
    try:
        yield from reader
    except csv.Error as exc:
        line = reader.line_num
        if "field larger" in str(exc):
            raise FileProblem(
                f"A cell is far too long (over {CELL_HARD_LIMIT:,} characters): check the file was saved as CSV",
                row=line,
            ) from None
        raise FileProblem(
            f"The file cannot be read as CSV near line {line:,}: save it from your spreadsheet as CSV UTF-8",
            row=line,
        ) from None


def read_xlsx(content: bytes) -> Table:
    # Imported late: openpyxl is only needed for spreadsheets.
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False, keep_links=False)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, IndexError, AttributeError):
        raise FileProblem(
            "The spreadsheet cannot be opened. Save it again as an Excel workbook (.xlsx) or as CSV UTF-8"
        ) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise FileProblem("The spreadsheet has no sheets")
        try:
            return _table(_xlsx_rows(sheet))
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, OSError, zipfile.BadZipFile):
            raise FileProblem(
                "The spreadsheet cannot be read to the end. Save it again as an Excel workbook (.xlsx) or as CSV"
            ) from None
    finally:
        workbook.close()


def _xlsx_rows(sheet):
    for values in sheet.iter_rows(values_only=True):
        yield [_xlsx_value(v) for v in values]


def _xlsx_value(value):
    if value is None or isinstance(value, (datetime.datetime, datetime.date, bool, int)):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, datetime.time):
        return value.isoformat()
    return str(value)  # formulas stay as their text: "=SUM(A1:A3)"


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table(rows, *, text_only=False, stop_after_heading=False) -> Table:
    """The heading row checked, then every row (text_only: every cell is a str, as in a CSV)."""
    rows = iter(rows)
    header = None
    for raw in rows:
        if not all(_blank(v) for v in raw):
            header = raw
            break
    if header is None:
        raise FileProblem("The file is empty")
    while header and _blank(header[-1]):
        header = header[:-1]
    headings = ["" if v is None else str(v).strip() for v in header]
    if len(headings) > MAX_COLUMNS:
        raise FileProblem(f"The file has {len(headings):,} columns: Involve takes up to {MAX_COLUMNS}")
    problems = []
    seen = {}
    for i, heading in enumerate(headings):
        letter = column_letter(i)
        key = " ".join(heading.lower().split())
        if not heading:
            problems.append(Problem(1, letter, f"Column {letter} has no heading: give it one, or delete the column"))
        elif len(heading) > MAX_HEADING:
            problems.append(
                Problem(1, letter, f"The heading of column {letter} is longer than {MAX_HEADING} characters")
            )
        elif key in seen:
            problems.append(
                Problem(1, heading, f"Two columns have the heading “{heading}” (columns {seen[key]} and {letter})")
            )
        else:
            seen[key] = letter
    if problems:
        raise HeadingProblems(problems)
    width = len(headings)
    table = Table(headings)
    if stop_after_heading:
        return table
    number = 1
    append = table.rows.append
    for raw in rows:
        number += 1
        if len(raw) == width and text_only:
            if "".join(raw).strip():
                append((number, raw))
            continue
        if (not "".join(raw).strip()) if text_only else all(_blank(v) for v in raw):
            continue  # blank lines, often at the end of an export
        if len(table.rows) >= MAX_ROWS:  # pragma: no cover - checked again below for full rows
            raise FileProblem(f"The file has more than {MAX_ROWS:,} rows: split it into smaller files")
        if len(raw) > width and not all(_blank(v) for v in raw[width:]):
            table.rows.append((number, raw))  # too many cells: reported by validation
            continue
        if len(raw) < width:
            raw = [*raw, *([None] * (width - len(raw)))]
        append((number, raw[:width] if len(raw) > width else raw))
    if len(table.rows) > MAX_ROWS:
        raise FileProblem(f"The file has more than {MAX_ROWS:,} rows: split it into smaller files")
    return table


class HeadingProblems(FileProblem):
    def __init__(self, problems):
        Exception.__init__(self, problems[0].reason)
        self.problem = problems[0]
        self.problems = problems


def read(content: bytes, kind: str) -> Table:
    """A Table, or FileProblem (HeadingProblems for several) with what to fix."""
    if kind == "xlsx":
        return read_xlsx(content)
    return read_csv(content)


def problems_of(exc: FileProblem) -> list[Problem]:
    return list(getattr(exc, "problems", None) or [exc.problem])
