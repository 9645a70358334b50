"""Writing a checked file's rows in one transaction: all of them, or (on any error) none.

On PostgreSQL the responses and answers go in with COPY (psycopg's cursor.copy() on the Django
connection's own psycopg connection, so it is inside the same transaction), with the response ids
taken from the table's sequence first; on SQLite with bulk_create in batches. Either way the import
run is marked done and the audit event written in the same transaction.
"""

import datetime

from django.db import connection, transaction
from django.utils import timezone

from involve.audit import services as audit

from .. import signals
from ..models import REFERENCE_ALPHABET, Answer, ImportRun, Question, Response

BATCH = 5_000
# Seconds each step of the last commit took (benchmarks/import_fft.py prints them).
last_timings = {}
COPY_CHUNK = 20_000
_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def after_batch(done):
    """Called after each batch of rows is written (tests make it fail half way)."""


def _base31(n: int) -> str:
    digits = ""
    while True:
        n, rest = divmod(n, len(REFERENCE_ALPHABET))
        digits = REFERENCE_ALPHABET[rest] + digits
        if not n:
            return digits


def reference_for(run_id: int, row: int) -> str:
    """An imported response's reference, from its import and row: "M" + run + "-" + row in the
    reference alphabet. Never 14 characters with dashes where the online ones have them (those are
    always XXXX-XXXX-XXXX), so never the same as one of those, and unique per run and row."""
    return f"M{_base31(run_id)}-{_base31(row)}"


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_ESCAPE)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return str(value)


def ensure_questions(consultation, questions):
    """Save the questions the file fills that the consultation has not got yet (an FFT file's two)."""
    added = 0
    position = consultation.questions.count()
    for question in questions.values():
        if question.pk is None:
            position += 1
            question.consultation = consultation
            question.position = position
            question.save()
            added += 1
    return added


def commit(run: ImportRun, result, questions, *, by, source_references=False):
    """Store every row of `result` (validation.Result with no problems) for `run`. Returns the counts."""
    audit.take_turn()
    locked = ImportRun.objects.select_for_update().get(pk=run.pk)
    if locked.state == ImportRun.State.DONE:
        raise AlreadyDone(locked)
    consultation = run.consultation
    added = ensure_questions(consultation, questions)
    ids = {code: q.pk for code, q in questions.items()}
    now = timezone.now()
    writer = _copy_rows if connection.vendor == "postgresql" else _bulk_rows
    responses, answers = writer(run, result.rows, ids, now, by, source_references)
    run.state = ImportRun.State.DONE
    run.rows_total = result.rows_total
    run.rows_imported = responses
    run.problems = []
    run.finished_at = now
    run.save(update_fields=["state", "rows_total", "rows_imported", "problems", "finished_at"])
    counts = {"rows": result.rows_total, "responses": responses, "answers": answers, "questions_added": added}
    audit.record(
        action="import.commit",
        by=by,
        organisation=run.organisation_id,
        target=consultation,
        new={**counts, "import": run.pk, "layout": run.layout},
    )
    signals.send_on_commit(consultation, import_run=run)
    return counts


class AlreadyDone(Exception):
    def __init__(self, run):
        super().__init__(f"Import {run.pk} is already done")
        self.run = run


def _key(reference, wanted):
    return f"import:{reference}" if wanted and reference else ""


def _bulk_rows(run, rows, ids, now, by, source_references):
    responses = answers = 0
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        made = Response.objects.bulk_create(
            [
                Response(
                    organisation_id=run.organisation_id,
                    consultation_id=run.consultation_id,
                    reference=reference_for(run.pk, row.number),
                    channel=Response.Channel.IMPORT,
                    submitted_at=row.submitted_at or now,
                    idempotency_key=_key(row.source_reference, source_references),
                    service=row.service,
                    import_run_id=run.pk,
                    source_row=row.number,
                    entered_by=by,
                )
                for row in batch
            ]
        )
        answer_objects = [
            Answer(
                response_id=response.pk,
                question_id=ids[code],
                text=text,
                choice=choice,
                number=number,
                value=None if value is None else _json(value),
            )
            for response, row in zip(made, batch, strict=True)
            for code, text, choice, number, value in row.answers
        ]
        Answer.objects.bulk_create(answer_objects, batch_size=BATCH)
        responses += len(made)
        answers += len(answer_objects)
        after_batch(responses)
    return responses, answers


def _json(text):
    import json

    return json.loads(text)


def _columns(model, names):
    return [model._meta.get_field(name).column for name in names]


RESPONSE_FIELDS = [
    "id",
    "organisation",
    "consultation",
    "reference",
    "channel",
    "submitted_at",
    "received_at",
    "idempotency_key",
    "service",
    "import_run",
    "source_row",
    "entered_by",
    "publish_consent",
    "moderation",
]
ANSWER_FIELDS = ["response", "question", "text", "choice", "number", "value", "masked_text"]


def _copy_rows(run, rows, ids, now, by, source_references):
    """COPY on PostgreSQL: ids from the sequence, then the responses, then their answers."""
    response_table, answer_table = Response._meta.db_table, Answer._meta.db_table
    import time

    clock = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [response_table, len(rows)],
        )
        response_ids = [r[0] for r in cursor.fetchall()]
        last_timings["ids"] = time.perf_counter() - clock
        clock = time.perf_counter()
        raw = cursor.cursor  # psycopg's own cursor, in Django's transaction
        fixed = "\t".join([str(run.organisation_id), str(run.consultation_id)])  # organisation, consultation
        received = now.isoformat()
        entered = "\\N" if by is None else str(by.pk)
        channel = Response.Channel.IMPORT.value
        not_reviewed = Response.Moderation.NOT_REVIEWED.value
        run_id = str(run.pk)
        columns = ", ".join(_columns(Response, RESPONSE_FIELDS))
        with raw.copy(f"COPY {response_table} ({columns}) FROM STDIN") as copy:
            lines = []
            for done, (pk, row) in enumerate(zip(response_ids, rows, strict=True), start=1):
                lines.append(
                    f"{pk}\t{fixed}\t{reference_for(run.pk, row.number)}\t{channel}\t"
                    f"{(row.submitted_at or now).isoformat()}\t{received}\t"
                    f"{_copy_text(_key(row.source_reference, source_references))}\t{_copy_text(row.service)}\t"
                    f"{run_id}\t{row.number}\t{entered}\tf\t{not_reviewed}\n"
                )
                if len(lines) >= COPY_CHUNK:
                    copy.write("".join(lines))
                    lines = []
                    after_batch(done)
            copy.write("".join(lines))
        last_timings["responses"] = time.perf_counter() - clock
        clock = time.perf_counter()
        answers = 0
        columns = ", ".join(_columns(Answer, ANSWER_FIELDS))
        with raw.copy(f"COPY {answer_table} ({columns}) FROM STDIN") as copy:
            lines = []
            for done, (pk, row) in enumerate(zip(response_ids, rows, strict=True), start=1):
                for code, text, choice, number, value in row.answers:
                    lines.append(
                        f"{pk}\t{ids[code]}\t{_copy_text(text)}\t{_copy_text(choice)}\t"
                        f"{_copy_text(number)}\t{_copy_text(value)}\t\n"
                    )
                answers += len(row.answers)
                if len(lines) >= COPY_CHUNK:
                    copy.write("".join(lines))
                    lines = []
                    after_batch(done)
            copy.write("".join(lines))
        last_timings["answers"] = time.perf_counter() - clock
    return len(rows), answers


def commit_atomically(run, result, questions, *, by, source_references=False):
    import time

    with transaction.atomic():
        counts = commit(run, result, questions, by=by, source_references=source_references)
        clock = time.perf_counter()
    # Leaving the block commits: the deferred foreign key checks run now.
    last_timings["commit"] = time.perf_counter() - clock
    return counts


__all__ = ["commit", "commit_atomically", "reference_for", "AlreadyDone", "Question"]
