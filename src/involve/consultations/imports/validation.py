"""Checking every row of a file against its mapping before anything is stored.

validate() reads every row, turns each mapped cell into what is stored (a choice key, a number, a
date in Europe/London), and collects every problem with its row number, column and reason. Only a
file with no problem is committed (commit.py); the rows it gives back are what the commit writes.
"""

import datetime
import json
import re
import zoneinfo
from dataclasses import dataclass

from django.utils import timezone

from .. import scales
from ..models import ANSWER_MAX_LENGTH, Question
from .layouts import RESPONSE_FIELDS, SERVICE, SOURCE_REFERENCE, SUBMITTED_AT, normalise
from .reading import MAX_CELL, Problem

LONDON = zoneinfo.ZoneInfo("Europe/London")
# The report shows this many problems; the rest are counted.
MAX_PROBLEMS = 500
SERVICE_MAX = 200
SOURCE_REFERENCE_MAX = 60
# Several choices in one cell, as Citizen Space and EngagementHQ write them.
_SEPARATORS = re.compile(r"\s*(?:;|\r\n|\n|\r)\s*")


class CellProblem(Exception):
    pass


@dataclass
class Row:
    number: int
    submitted_at: datetime.datetime | None
    service: str
    source_reference: str
    # (question code, text, choice, number, value as JSON text or None)
    answers: list


@dataclass
class Result:
    rows: list
    problems: list  # the first MAX_PROBLEMS
    problem_count: int
    rows_total: int

    @property
    def ok(self):
        return self.problem_count == 0


# Cells


def _text(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d-%m-%Y",
    "%d-%m-%Y %H:%M",
    "%d.%m.%Y",
    "%d %B %Y",
    "%d %b %Y",
    "%d %B %Y %H:%M",
    "%d %b %Y %H:%M",
)


def parse_date(value, now=None):
    """An aware datetime (Europe/London when the file gives no zone), or CellProblem."""
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime(value.year, value.month, value.day)
    else:
        text = " ".join(_text(value).split())
        moment = None
        if text[:4].isdigit() and text[4:5] == "-":
            # ISO 8601 (2024-03-31, 2024-03-31 14:05:00, with or without a zone): the fast path.
            try:
                moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                moment = None
        elif _DMY.fullmatch(text):
            day, month, year, hour, minute, second = _DMY.fullmatch(text).groups()
            try:
                moment = datetime.datetime(
                    int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
                )
            except ValueError:
                moment = None
        if moment is None:
            for fmt in _DATE_FORMATS:
                try:
                    moment = datetime.datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        if moment is None:
            raise CellProblem(f"“{text[:40]}” is not a date: write dates like 2024-03-31 or 31/03/2024")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LONDON)
    if moment.year < 2000:
        raise CellProblem(f"The date {moment:%-d %B %Y} is before 2000")
    if moment > (now or timezone.now()) + datetime.timedelta(days=1):
        raise CellProblem(f"The date {moment:%-d %B %Y} is in the future")
    return moment


def _labels(question):
    """{normalised label or key or FFT code: key}."""
    table = {}
    for option in question.options:
        table[normalise(option["key"])] = option["key"]
        table[normalise(option["label"])] = option["key"]
        if "code" in option:
            code = str(option["code"])
            table[code] = option["key"]
            table[normalise(f"{code} {option['label']}")] = option["key"]
            table[normalise(f"{code}. {option['label']}")] = option["key"]
    if question.kind == Question.Kind.FFT:
        table["dont know"] = table["don't know"] = "dont_know"
    return table


def _offered(question):
    return "; ".join(o["label"] for o in question.options[:8])


def converter(question):
    """A function from a cell to (text, choice, number, value) for `question`, None for an empty
    cell, raising CellProblem for a value the question cannot take."""
    kind = question.kind
    if kind in scales.TEXT_KINDS:
        limit = min(question.max_length or ANSWER_MAX_LENGTH, MAX_CELL)

        def text(value):
            text = _text(value)
            if not text:
                return None
            if len(text) > limit:
                raise CellProblem(
                    f"The answer is {len(text):,} characters long: the most this question takes is {limit:,}"
                )
            return (text, "", None, None)

        return text
    if kind in scales.ONE_CHOICE_KINDS:
        labels = _labels(question)

        def one(value):
            text = _text(value)
            if not text:
                return None
            key = labels.get(normalise(text))
            if key is None:
                raise CellProblem(f"“{text[:60]}” is not one of the answers offered ({_offered(question)})")
            return ("", key, None, None)

        return one
    if kind == Question.Kind.MULTIPLE_CHOICE:
        labels = _labels(question)

        def several(value):
            text = _text(value)
            if not text:
                return None
            keys = []
            for part in _SEPARATORS.split(text):
                if not part:
                    continue
                key = labels.get(normalise(part))
                if key is None:
                    raise CellProblem(f"“{part[:60]}” is not one of the answers offered ({_offered(question)})")
                if key not in keys:
                    keys.append(key)
            if not keys:
                return None
            order = [o["key"] for o in question.options]
            keys.sort(key=order.index)
            return ("", "", None, json.dumps(keys))

        return several
    if kind == Question.Kind.RATING:
        top = question.rating_max or 5

        def rating(value):
            if isinstance(value, bool):
                raise CellProblem("A rating must be a whole number")
            text = _text(value)
            if not text:
                return None
            try:
                number = int(float(text)) if re.fullmatch(r"\d+(\.0+)?", text) else None
            except ValueError:
                number = None
            if number is None or not 1 <= number <= top:
                raise CellProblem(f"“{text[:40]}” is not a rating from 1 to {top}")
            return ("", "", number, None)

        return rating
    raise ValueError(f"{kind} questions cannot be imported from one column")


# The whole file


def check_mapping(headings, mapping, questions):
    """Problems with the mapping itself (row None): nothing is checked row by row until it is right."""
    problems, used = [], {}
    for heading in headings:
        target = mapping.get(heading, "")
        if not target:
            continue
        if target.startswith("q:"):
            if target[2:] not in questions:
                problems.append(
                    Problem(None, heading, "The question chosen for this column is not in the consultation")
                )
                continue
            name = f"the question “{questions[target[2:]].text}”"
        elif target in RESPONSE_FIELDS:
            name = RESPONSE_FIELDS[target].lower()
        else:
            problems.append(Problem(None, heading, "Choose where this column goes"))
            continue
        if target in used:
            problems.append(Problem(None, heading, f"Both “{used[target]}” and “{heading}” are matched to {name}"))
        used.setdefault(target, heading)
    if not any(t.startswith("q:") for t in used):
        problems.append(Problem(None, "", "Match at least one column to a question"))
    return problems


def validate(table, mapping, questions, *, existing_references=frozenset(), progress=None, now=None):
    """Every row checked: a Result whose rows are what to store (only when there is no problem)."""
    headings = table.headings
    problems = check_mapping(headings, mapping, questions)
    count = len(problems)
    rows_total = len(table.rows)
    if problems:
        return Result([], problems, count, rows_total)
    now = now or timezone.now()
    width = len(headings)
    columns = []  # (index, heading, code, convert)
    date_at = service_at = reference_at = None
    for index, heading in enumerate(headings):
        target = mapping.get(heading, "")
        if target.startswith("q:"):
            columns.append((index, heading, target[2:], converter(questions[target[2:]])))
        elif target == SUBMITTED_AT:
            date_at = index
        elif target == SERVICE:
            service_at = index
        elif target == SOURCE_REFERENCE:
            reference_at = index
    seen_rows, seen_references, dates = {}, {}, {}
    rows = []

    def report(row, column, reason):
        nonlocal count
        count += 1
        if len(problems) < MAX_PROBLEMS:
            problems.append(Problem(row, column, reason))

    for done, (number, raw) in enumerate(table.rows, start=1):
        if progress is not None and done % 10_000 == 0:
            progress(done, rows_total)
        if len(raw) != width:
            report(number, "", f"The row has {len(raw)} cells but the file has {width} headings")
            continue
        fingerprint = hash(tuple(raw))
        first = seen_rows.get(fingerprint)
        if first is not None:
            report(number, "", f"The row repeats row {first:,} exactly")
            continue
        seen_rows[fingerprint] = number
        bad = False
        submitted_at = None
        if date_at is not None:
            cell = raw[date_at]
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                report(number, headings[date_at], "The date is missing")
                bad = True
            else:
                key = cell if not isinstance(cell, str) else cell.strip()
                try:
                    submitted_at = dates.get(key) if isinstance(key, (str, datetime.date)) else None
                    if submitted_at is None:
                        submitted_at = parse_date(cell, now)
                        if isinstance(key, (str, datetime.date)) and len(dates) < 100_000:
                            dates[key] = submitted_at
                except CellProblem as exc:
                    report(number, headings[date_at], str(exc))
                    bad = True
        service = ""
        if service_at is not None:
            service = _text(raw[service_at])
            if len(service) > SERVICE_MAX:
                report(number, headings[service_at], f"The service is longer than {SERVICE_MAX} characters")
                bad = True
        reference = ""
        if reference_at is not None:
            reference = _text(raw[reference_at])
            if len(reference) > SOURCE_REFERENCE_MAX:
                report(
                    number, headings[reference_at], f"The reference is longer than {SOURCE_REFERENCE_MAX} characters"
                )
                bad = True
            elif reference and reference in seen_references:
                report(number, headings[reference_at], f"Row {seen_references[reference]:,} has the same reference")
                bad = True
            elif reference and reference in existing_references:
                report(number, headings[reference_at], "A response with this reference was imported before")
                bad = True
            elif reference:
                seen_references[reference] = number
        answers = []
        for index, heading, code, convert in columns:
            cell = raw[index]
            if isinstance(cell, str) and len(cell) > MAX_CELL:
                report(
                    number,
                    heading,
                    f"The cell is {len(cell):,} characters long: the most Involve takes is {MAX_CELL:,}",
                )
                bad = True
                continue
            try:
                answer = convert(cell)
            except CellProblem as exc:
                report(number, heading, str(exc))
                bad = True
                continue
            if answer is not None:
                answers.append((code, *answer))
        if not bad and not answers:
            report(number, "", "The row has no answers to import")
            bad = True
        if not bad and not count:
            rows.append(Row(number, submitted_at, service, reference, answers))
    if count:
        rows = []
    return Result(rows, problems, count, rows_total)
