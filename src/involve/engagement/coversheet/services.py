"""Saving a decision's board paper details: the meeting its cover sheet goes to.

board_paper_save() creates the details the first time and changes them after, in one transaction
with its audit event ("board_paper.create", "board_paper.update", with the old and new values of
what changed), through involve.audit.writes like every other service. Saving without a change writes
nothing and records nothing; each real change adds one to the record's revision, and a form opened
at an older revision gets StaleEdit instead of overwriting someone else's save. Only the fields in
BOARD_PAPER_FIELDS can be set; the organisation is always the decision's own.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from involve.audit import writes

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
    # Lock the decision, so two people saving at once cannot both create its one board paper.
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
