"""The responses to a consultation as CSV or XLSX: one row per response, one column per question.

Equality monitoring answers are never in this export: they live in the equality app, readable only
with the equality-data permission, and reported only in aggregate. Everything goes through
involve.core.exports, so no cell can be a formula; dates are real dates (Europe/London) in XLSX.
"""

import datetime
from collections import defaultdict

from django.utils import timezone

from . import scales
from .models import Answer, Question

Kind = Question.Kind


def _local(value):
    """A stored datetime as the wall-clock time in Europe/London, without a zone (spreadsheets have none)."""
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def answer_cell(question, answer):
    """One answer as the text (or number) of its cell; several choices joined with "; "."""
    if answer is None:
        return None
    if question.kind in scales.TEXT_KINDS:
        return answer.text or None
    labels = question.option_labels
    if question.kind in scales.ONE_CHOICE_KINDS:
        return labels.get(answer.choice, answer.choice) or None
    if question.kind == Kind.RATING:
        return answer.number
    value = answer.value
    if question.kind in (Kind.MULTIPLE_CHOICE, Kind.RANKING) and isinstance(value, list):
        return "; ".join(str(labels.get(k, k)) for k in value) or None
    if question.kind == Kind.GRID and isinstance(value, dict):
        statements = {s["key"]: s["label"] for s in question.statements}
        return "; ".join(f"{statements.get(s, s)}: {labels.get(k, k)}" for s, k in value.items() if k) or None
    return None


def filtered_responses(consultation, *, date_from=None, date_to=None):
    """The consultation's responses submitted between the two dates (inclusive, Europe/London days)."""
    rows = consultation.responses.all()
    zone = timezone.get_current_timezone()
    if date_from:
        rows = rows.filter(submitted_at__gte=datetime.datetime.combine(date_from, datetime.time.min, zone))
    if date_to:
        after = date_to + datetime.timedelta(days=1)
        rows = rows.filter(submitted_at__lt=datetime.datetime.combine(after, datetime.time.min, zone))
    return rows.order_by("submitted_at", "pk")


def response_rows(consultation, questions, responses):
    """The header and rows for core.exports: reference, channel, submitted, service, then a column
    for each of `questions` ("code: question text")."""
    header = ["Reference", "Channel", "Submitted", "Service"] + [f"{q.code}: {q.text}" for q in questions]
    responses = list(responses)
    by_response = defaultdict(dict)
    wanted = {q.pk: q for q in questions}
    if wanted and responses:
        ids = [r.pk for r in responses]
        # In batches, so that SQLite's limit on query parameters is never reached.
        for start in range(0, len(ids), 5000):
            for answer in Answer.objects.filter(response_id__in=ids[start : start + 5000], question_id__in=wanted):
                by_response[answer.response_id][answer.question_id] = answer
    rows = []
    for r in responses:
        answers = by_response[r.pk]
        rows.append(
            [r.reference, r.get_channel_display(), _local(r.submitted_at), r.service or None]
            + [answer_cell(q, answers.get(q.pk)) for q in questions]
        )
    return header, rows
