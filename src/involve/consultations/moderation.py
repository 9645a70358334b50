"""Moderation before publication: personal details in free text are found and masked, a person
reviews the masked text (and may edit it), then approves the response for publication or withholds it.

What is masked, and with what:
- email addresses → [email address];
- NHS numbers: ten digits, with or without spaces or hyphens in the 3-3-4 pattern, whose last digit is
  the modulus 11 check digit of the first nine → [NHS number]; ten digits that fail the check (most
  reference numbers) are left alone;
- UK phone numbers: 0 or +44 then ten (or nine) more digits, spaces, hyphens and brackets allowed
  → [phone number];
- UK postcodes ("LS1 4AP", "ls14ap") → [postcode];
- names: a title (Mr, Mrs, Ms, Miss, Mx, Dr, Prof, Nurse, Sister) and a capitalised word or two;
  "my name is X" / "I am called X"; a common first name followed by a capitalised word → [name].

Detection errs towards masking: a person checks every response before anything is published, and
only the masked text (as stored in Answer.masked_text, after their edits) is ever shown publicly.
"""

import dataclasses
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from involve.audit import services as audit

from . import scales
from .models import Answer, Response

NAME, PHONE, EMAIL, POSTCODE, NHS_NUMBER = "[name]", "[phone number]", "[email address]", "[postcode]", "[NHS number]"

_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Not inside a longer run of digits, letters or a date/reference ("12/3456789012", "REF-943...").
_EDGE_BEFORE = r"(?<![\w/.\-£$€#+])"
_EDGE_AFTER = r"(?![\w/\-]|\.\d)"
_NHS = re.compile(_EDGE_BEFORE + r"(\d{3})([ -]?)(\d{3})\2(\d{4})" + _EDGE_AFTER)
_PHONE = re.compile(_EDGE_BEFORE + r"(?:\+44[ -]?(?:\(0\)[ -]?)?|\(?0)(?:[ \-)]{0,2}\d){9,10}" + r"(?![\w/]|\.\d)")
_POSTCODE = re.compile(r"\b(?:[A-Za-z]{1,2}\d[A-Za-z\d]?) ?\d[A-Za-z]{2}\b")
_WORD = r"(?:Mc|Mac)?[A-Z](?:[a-z]+|['’][A-Z][a-z]+)(?:-[A-Z][a-z]+)?"
_TITLE_NAME = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Doctor|Prof|Professor|Nurse|Sister)\.? +" + _WORD + r"(?: +" + _WORD + r")?"
)
_CALLED = re.compile(
    r"\b((?i:my name is|my name's|i am called|i'm called|i’m called) +)" + _WORD + r"(?: +" + _WORD + r")?"
)
# Common first names in England and Wales (ONS baby names, several decades), used only when the next
# word is capitalised too ("Sarah Jones"): a first name alone is rarely enough to identify someone.
FIRST_NAMES = (
    "Adam Aisha Alan Alex Alexander Alice Alison Amanda Amelia Amy Andrew Angela Ann Anna Anne Anthony Barbara "
    "Ben Benjamin Beth Brian Carol Caroline Catherine Charlie Charlotte Chloe Chris Christine Christopher Claire "
    "Craig Daniel David Deborah Dennis Diane Donna Dorothy Edward Eleanor Elizabeth Ella Emily Emma Eric Fatima "
    "Frank Gary George Grace Graham Hannah Harry Helen Ian Isla Jack Jacob Jake James Jane Janet Jason Jean "
    "Jennifer Jessica Joan Joanne John Jonathan Joseph Joshua Julie Karen Kate Katherine Kathleen Kevin Laura "
    "Lee Leo Lily Linda Lisa Louise Lucy Luke Margaret Maria Mark Martin Mary Matthew Megan Michael Michelle "
    "Mohammed Muhammad Nicola Noah Oliver Olivia Patricia Paul Pauline Peter Philip Priya Rachel Rebecca "
    "Richard Robert Ruth Ryan Samantha Samuel Sandra Sarah Scott Sharon Simon Sophie Stephen Steven Stuart "
    "Susan Thomas Tom Tracy Victoria William Zara"
).split()
_FIRST_LAST = re.compile(r"\b(?:" + "|".join(FIRST_NAMES) + r") +" + _WORD)


def nhs_number_is_valid(digits: str) -> bool:
    """The modulus 11 check of a ten-digit NHS number."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


@dataclasses.dataclass(frozen=True)
class Finding:
    kind: str  # the mask put in its place
    text: str


def _nhs(match, found):
    digits = match.group(1) + match.group(3) + match.group(4)
    if not nhs_number_is_valid(digits):
        return match.group(0)
    found.append(Finding(NHS_NUMBER, match.group(0)))
    return NHS_NUMBER


def mask(text: str):
    """(the text with personal details masked, [Finding])."""
    found = []

    def sub(pattern, replacement, value):
        def replace(match):
            found.append(Finding(replacement, match.group(0)))
            return replacement

        return pattern.sub(replace, value)

    value = text or ""
    value = sub(_EMAIL, EMAIL, value)
    value = _NHS.sub(lambda m: _nhs(m, found), value)
    value = sub(_PHONE, PHONE, value)
    value = sub(_POSTCODE, POSTCODE, value)
    value = sub(_TITLE_NAME, NAME, value)

    def called(match):
        found.append(Finding(NAME, match.group(0)[len(match.group(1)) :]))
        return match.group(1) + NAME

    value = _CALLED.sub(called, value)
    value = sub(_FIRST_LAST, NAME, value)
    return value, found


def masked(text: str) -> str:
    return mask(text)[0]


# Moderating a response

APPROVE, WITHHOLD, LEAVE = Response.Moderation.APPROVED, Response.Moderation.WITHHELD, Response.Moderation.NOT_REVIEWED


def text_answers(response):
    """The response's free-text answers, in question order."""
    return [
        a
        for a in response.answers.select_related("question").order_by("question__position", "question__pk")
        if a.question.kind in scales.TEXT_KINDS and a.text
    ]


def suggestion(answer):
    """What the review box starts with: the stored masked text, or the automatic masking."""
    return answer.masked_text or masked(answer.text)


def seen_token(response) -> str:
    """What the moderator saw: the decision and when it was made. A different one under the lock means
    someone else moderated the response meanwhile."""
    return f"{response.moderation}|{response.moderated_at.isoformat() if response.moderated_at else ''}"


class ModeratedMeanwhile(Exception):
    pass


@transaction.atomic
def moderate_response(*, by, response, decision, masked_texts: dict, seen: str):
    """Record a moderation decision and the reviewed masked texts ({answer id: text}) of one response.

    Approving needs the person's consent to publication. Leaving it "not reviewed" stores nothing.
    Raises ModeratedMeanwhile if someone else moderated it after `seen`, ValidationError if refused."""
    if decision not in (APPROVE, WITHHOLD, LEAVE):
        raise ValidationError({"decision": "Select whether to publish this response"})
    audit.take_turn()
    record = Response.objects.select_for_update().get(pk=response.pk)
    if seen_token(record) != seen:
        raise ModeratedMeanwhile
    if decision == LEAVE:
        return record
    if decision == APPROVE and not record.publish_consent:
        raise ValidationError(
            {"decision": "This person did not agree to their response being published, so it cannot be approved"}
        )
    answers = {a.pk: a for a in text_answers(record)}
    changed = []
    for answer_id, text in masked_texts.items():
        answer = answers.get(answer_id)
        if answer is None:
            continue
        text = (text or "").replace("\r\n", "\n")
        if answer.masked_text != text:
            answer.masked_text = text
            changed.append(answer)
    for answer_id, answer in answers.items():
        if answer_id not in masked_texts and not answer.masked_text:
            # Not in the form (added since the page was drawn): the automatic masking, never the original.
            answer.masked_text = masked(answer.text)
            changed.append(answer)
    if changed:
        Answer.objects.bulk_update(changed, ["masked_text"])
    old = record.moderation
    record.moderation = decision
    record.moderated_by = by
    record.moderated_at = timezone.now()
    record.save(update_fields=["moderation", "moderated_by", "moderated_at"])
    audit.record(
        action="response.moderate",
        by=by,
        organisation=record.organisation_id,
        target=record,
        old={"moderation": old},
        new={"moderation": decision, "masked answers changed": len(changed)},
        target_label=record.reference,
    )
    return record
