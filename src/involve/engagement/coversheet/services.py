"""Saving a decision's board paper details: the meeting its cover sheet goes to.

board_paper_save() creates the details the first time and changes them after, in one transaction
with its audit event ("board_paper.create", "board_paper.update", with the old and new values of
what changed), through involve.audit.writes like every other service. Saving without a change writes
nothing and records nothing; each real change adds one to the record's revision, and a form opened
at an older revision gets StaleEdit instead of overwriting someone else's save. Only the fields in
BOARD_PAPER_FIELDS can be set; the organisation is always the decision's own.

cover_sheet_render_start() starts a long cover sheet's file in the background (tasks.py), at most
RENDERS_PER_PERSON at once for one person.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from involve.audit import services as audit
from involve.audit import writes
from involve.core.models import TaskRun
from involve.core.progress import task_run_start
from involve.organisations.models import User

from ..models import BoardPaper, Decision

BOARD_PAPER_FIELDS = [
    "meeting",
    "meeting_on",
    "agenda_item",
    "paper_reference",
    "author",
    "lead_director",
    "purpose",
    "recommendation",
    "what_people_said",
]

# Error messages written for people (NHS.UK style), shared with the form so both say the same.
LABELS = {
    "meeting": "Board or committee",
    "meeting_on": "Date of the meeting",
    "agenda_item": "Agenda item",
    "paper_reference": "Paper reference",
    "author": "Author",
    "lead_director": "Lead director",
    "purpose": "What the paper is for",
    "recommendation": "Recommendation",
    "what_people_said": "What people said and how it changed the proposal",
}
REQUIRED = {
    "meeting": "Enter the board or committee",
    "purpose": "Select what the paper is for",
}


def max_length(name) -> int | None:
    return BoardPaper._meta.get_field(name).max_length


def too_long(name) -> str:
    return f"{LABELS[name]} must be {max_length(name):,} characters or fewer"


def _check(paper):
    errors = {}
    for name in BOARD_PAPER_FIELDS:
        value = getattr(paper, name)
        if name in REQUIRED and not (value or "").strip():
            errors[name] = REQUIRED[name]
        elif isinstance(value, str) and max_length(name) and len(value) > max_length(name):
            errors[name] = too_long(name)
    if paper.purpose and paper.purpose not in BoardPaper.Purpose.values:
        errors["purpose"] = REQUIRED["purpose"]
    if errors:
        raise ValidationError(errors)
    paper.full_clean(validate_unique=False)


def _label(decision) -> str:
    return f"Board paper: {decision.title}"[:255]


@transaction.atomic
def board_paper_save(*, by, decision, revision=None, **fields) -> BoardPaper:
    """Create or change the decision's board paper details. `revision` is the one the form was opened at."""
    writes.only(BOARD_PAPER_FIELDS, fields)
    # Lock the decision, so two people saving at once cannot both create its one board paper; the audit
    # log's turn first, as every audited write (audit.services.take_turn).
    audit.take_turn()
    decision = Decision.objects.select_for_update().select_related("organisation").get(pk=decision.pk)
    paper = BoardPaper.objects.filter(decision=decision).first()
    if paper is None:
        paper = BoardPaper(organisation=decision.organisation, decision=decision, **fields)
        _check(paper)
        return writes.create(
            paper, by=by, action="board_paper.create", fields=[*BOARD_PAPER_FIELDS, "revision"], label=_label(decision)
        )
    return writes.update(
        paper,
        by=by,
        action="board_paper.update",
        fields=BOARD_PAPER_FIELDS,
        changes=fields,
        version=revision,
        label=_label(decision),
        validate=_check,
    )


# Cover sheets being made in the background at once for one person; a crashed worker's run stops
# counting after STUCK_AFTER, so it cannot block them for ever.
RENDERS_PER_PERSON = 2
STUCK_AFTER = datetime.timedelta(hours=1)
TASK_KINDS = {"pdf": "cover_sheet_pdf", "docx": "cover_sheet_docx"}


class TooManyRenders(Exception):
    def __init__(self, runs):
        super().__init__(len(runs))
        self.runs = runs  # the person's runs still waiting or in progress


def renders_in_progress(by):
    return TaskRun.objects.filter(
        requested_by=by,
        kind__in=TASK_KINDS.values(),
        status__in=[TaskRun.Status.QUEUED, TaskRun.Status.RUNNING],
        created_at__gte=timezone.now() - STUCK_AFTER,
    )


@transaction.atomic
def cover_sheet_render_start(*, by, organisation, decision, fmt) -> TaskRun:
    """Start making the decision's cover sheet file in the background, as `by` working in `organisation`.

    Raises TooManyRenders when they already have RENDERS_PER_PERSON waiting or in progress.
    """
    from .tasks import make_cover_sheet

    # Lock the person's row, so two requests at once cannot both pass the count.
    User.objects.select_for_update().filter(pk=by.pk).first()
    runs = list(renders_in_progress(by))
    if len(runs) >= RENDERS_PER_PERSON:
        raise TooManyRenders(runs)
    label = f"Cover sheet {'PDF' if fmt == 'pdf' else 'Word document'}: {decision.title}"
    return task_run_start(
        organisation=organisation,
        by=by,
        kind=TASK_KINDS[fmt],
        label=label[:200],
        task=make_cover_sheet,
        decision_id=decision.pk,
        fmt=fmt,
    )
