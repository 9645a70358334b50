"""Every change staff make to a consultation, its sections and questions, and their responses.

Each service runs in one transaction and writes its audit event through involve.audit.writes (a
field allowlist, a row lock, the revision check on edits). The rules live here, not in the forms:

- a consultation closes after it opens, its web address (slug) is unique within its organisation
  and is made from the title when left blank, and it links only its own organisation's activity
  and decisions;
- its state moves one step at a time, draft → published → closed → results published (a closed
  consultation may be reopened with a new closing time); publishing needs a question, a web
  address and a closing time in the future; publishing results needs "what we heard and what we did";
- a question's code (q1, q2…) is made for it and never reused within the consultation; its options
  keep their keys (c1, c2…) when their labels are kept, so answers stay attached; an option or a
  statement that answers use cannot be removed, nor the kind changed once the consultation is
  published or answered;
- a condition (show this question or section only after a given answer) points at an earlier
  choice question of the same consultation, and names only that question's option keys;
- nothing with responses or answers is deleted by accident: a consultation with responses, a
  question with answers or with questions depending on it, are refused with the reason.
"""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone
from django.utils.text import slugify

from involve.audit import services as audit
from involve.audit import writes
from involve.engagement.models import Activity, Decision

from . import scales
from .models import Answer, Consultation, ImportRun, Question, Response, Section

CONSULTATION_FIELDS = [
    "title",
    "kind",
    "slug",
    "summary",
    "background",
    "other_ways",
    "contact_email",
    "contact_phone",
    "opens_at",
    "closes_at",
    "paging",
    "privacy_notice",
    "ask_equality",
    "activity",
    "suppression_threshold",
]
CONSULTATION_M2M = ["decisions", "documents"]
STATE_FIELDS = ["state", "closes_at", "results_summary", "results_published_at"]
SECTION_FIELDS = ["title", "intro", "condition_question", "condition_values"]
QUESTION_FIELDS = [
    "kind",
    "text",
    "help_text",
    "required",
    "section",
    "options",
    "statements",
    "rating_max",
    "max_length",
    "condition_question",
    "condition_values",
]
# Kinds whose answer can show or hide a later question: one key, or several.
CONDITION_KINDS = {*scales.ONE_CHOICE_KINDS, Question.Kind.MULTIPLE_CHOICE}
RATING_RANGE = (2, 10)
SHORT_TEXT_MAX = 500

State = Consultation.State


def _plural(n, noun):
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


# Consultations


def unique_slug(organisation, text, *, exclude=None):
    """A web address made from `text`, unique among the organisation's consultations ("-2", "-3"… added)."""
    base = slugify(text)[:70].strip("-") or "consultation"
    taken = Consultation.objects.filter(organisation=organisation, slug__startswith=base)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    taken = set(taken.values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _check_links(organisation, activity=None, decisions=(), documents=()):
    errors = {}
    if any(d.organisation_id != organisation.pk for d in documents):
        errors["documents"] = f"Choose only documents of {organisation.name}"
    if activity is not None and activity.organisation_id != organisation.pk:
        errors["activity"] = f"Choose an activity of {organisation.name}"
    if any(d.organisation_id != organisation.pk for d in decisions):
        errors["decisions"] = f"Choose only decisions of {organisation.name}"
    if errors:
        raise ValidationError(errors)


def _check_consultation(record):
    errors = {}
    if record.opens_at and record.closes_at and record.closes_at <= record.opens_at:
        errors["closes_at"] = "The closing time must be after the opening time"
    if record.suppression_threshold is not None and record.suppression_threshold < 1:
        errors["suppression_threshold"] = "The smallest number shown must be 1 or more"
    taken = Consultation.objects.filter(organisation_id=record.organisation_id, slug=record.slug)
    if record.pk:
        taken = taken.exclude(pk=record.pk)
    if record.slug and taken.exists():
        errors["slug"] = "Another consultation of your organisation already has this web address. Choose another"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def consultation_create(*, by, organisation, decisions=(), documents=(), **fields):
    writes.only(CONSULTATION_FIELDS, fields)
    decisions, documents = list(decisions), list(documents)
    _check_links(organisation, fields.get("activity"), decisions, documents)
    if not fields.get("slug"):
        fields["slug"] = unique_slug(organisation, fields.get("title", ""))
    consultation = Consultation(organisation=organisation, created_by=by, **fields)
    _check_consultation(consultation)
    return writes.create(
        consultation,
        by=by,
        action="consultation.create",
        fields=CONSULTATION_FIELDS,
        m2m={"decisions": decisions, "documents": documents},
    )


@transaction.atomic
def consultation_update(*, by, consultation, revision=None, decisions=None, documents=None, **changes):
    m2m = {} if decisions is None else {"decisions": list(decisions)}
    if documents is not None:
        m2m["documents"] = list(documents)
    _check_links(consultation.organisation, changes.get("activity"), m2m.get("decisions", ()), m2m.get("documents", ()))
    # The stored values, not the instance's: a model form has already set what was typed on it.
    stored = Consultation.objects.filter(pk=consultation.pk).values("slug", "title", "state").first() or {}
    if "slug" in changes and not changes["slug"]:
        changes["slug"] = stored.get("slug") or unique_slug(
            consultation.organisation, changes.get("title") or consultation.title, exclude=consultation
        )

    def check(record):
        if stored and record.slug != stored["slug"] and stored["state"] != State.DRAFT:
            raise ValidationError(
                {"slug": "The web address cannot change once the consultation is published: links to it would break"}
            )
        _check_consultation(record)

    return writes.update(
        consultation,
        by=by,
        action="consultation.update",
        fields=CONSULTATION_FIELDS,
        changes=changes,
        m2m=m2m,
        version=revision,
        validate=check,
    )


@transaction.atomic
def consultation_delete(*, by, consultation):
    """Delete a consultation nobody has answered yet, with its sections, questions and empty imports."""
    n = Response.objects.filter(consultation=consultation).count()
    if n:
        raise ValidationError(
            f"This consultation has {_plural(n, 'response')}, so it cannot be deleted. Delete the responses "
            "first if they really should go, or close the consultation instead."
        )
    record = writes.lock(consultation)
    # Conditions point at questions (PROTECT): undo them before the questions go.
    Section.objects.filter(consultation=record).update(condition_question=None)
    Question.objects.filter(consultation=record).update(condition_question=None)
    Question.objects.filter(consultation=record).delete()
    Section.objects.filter(consultation=record).delete()
    ImportRun.objects.filter(consultation=record).delete()
    try:
        writes.delete(
            record, by=by, action="consultation.delete", fields=CONSULTATION_FIELDS + ["state"], m2m=CONSULTATION_M2M
        )
    except ProtectedError:
        # A response arrived a moment ago: nothing is deleted (the transaction is rolled back).
        raise ValidationError("A response has just arrived, so it cannot be deleted.") from None


def publish_problems(consultation, at=None) -> list[str]:
    """What stops the consultation being published now (empty when it can be)."""
    at = at or timezone.now()
    problems = []
    if consultation.state != State.DRAFT:
        problems.append(f"Only a draft can be published; this consultation is {consultation.get_state_display()}.")
    if not consultation.questions.exists():
        problems.append("Add at least one question.")
    if not consultation.slug:
        problems.append("Give it a web address.")
    if consultation.closes_at is None:
        problems.append("Set a closing date and time.")
    elif consultation.closes_at <= at:
        problems.append("Set a closing date and time in the future.")
    return problems


def _change_state(consultation, *, by, action, expect, check=None, **changes):
    """Move the consultation on one step: the state is read again under the row lock, so two people
    pressing the button at once cannot skip a state or do it twice."""
    record = writes.lock(consultation)
    if record.state != expect:
        raise ValidationError(
            f"This consultation is {record.get_state_display().lower()}, so this cannot be done now. "
            "Reload the page to see where it has got to."
        )
    if check is not None:
        check(record)
    return writes.update(record, by=by, action=action, fields=STATE_FIELDS, changes=changes)


@transaction.atomic
def consultation_publish(*, by, consultation):
    def check(record):
        problems = publish_problems(record)
        if problems:
            raise ValidationError(["It cannot be published yet."] + problems)

    return _change_state(
        consultation, by=by, action="consultation.publish", expect=State.DRAFT, check=check, state=State.PUBLISHED
    )


@transaction.atomic
def consultation_close(*, by, consultation):
    """Close it now (earlier than planned, or to confirm it has closed)."""
    now = timezone.now()

    def check(record):
        if record.closes_at is not None and record.closes_at <= now:
            return
        if record.opens_at is not None and record.opens_at >= now:
            raise ValidationError("It has not opened yet. Change its opening time, or leave it as it is.")

    changes = {"state": State.CLOSED}
    if consultation.closes_at is None or consultation.closes_at > now:
        changes["closes_at"] = now
    return _change_state(
        consultation, by=by, action="consultation.close", expect=State.PUBLISHED, check=check, **changes
    )


@transaction.atomic
def consultation_reopen(*, by, consultation, closes_at):
    def check(record):
        if closes_at is None or closes_at <= timezone.now():
            raise ValidationError({"closes_at": "The new closing time must be in the future"})
        if record.opens_at and closes_at <= record.opens_at:
            raise ValidationError({"closes_at": "The new closing time must be after the opening time"})

    return _change_state(
        consultation,
        by=by,
        action="consultation.reopen",
        expect=State.CLOSED,
        check=check,
        state=State.PUBLISHED,
        closes_at=closes_at,
    )


@transaction.atomic
def consultation_publish_results(*, by, consultation, results_summary):
    def check(record):
        if not (results_summary or "").strip():
            raise ValidationError({"results_summary": "Enter what you heard and what you did"})

    return _change_state(
        consultation,
        by=by,
        action="consultation.publish_results",
        expect=State.CLOSED,
        check=check,
        state=State.RESULTS_PUBLISHED,
        results_summary=results_summary.strip(),
        results_published_at=timezone.now(),
    )


@transaction.atomic
def consultation_copy(*, by, consultation, organisation, title, slug=""):
    """A new draft in `organisation` with every section and question of `consultation` (conditions
    pointing at the copies), and none of its responses, dates, results or links."""
    copy = Consultation(
        organisation=organisation,
        kind=consultation.kind,
        title=title,
        slug=slug or unique_slug(organisation, title),
        summary=consultation.summary,
        background=consultation.background,
        other_ways=consultation.other_ways,
        paging=consultation.paging,
        privacy_notice=consultation.privacy_notice,
        ask_equality=consultation.ask_equality,
        suppression_threshold=consultation.suppression_threshold,
        copied_from=consultation,
        created_by=by,
    )
    if organisation.pk == consultation.organisation_id:
        copy.contact_email, copy.contact_phone = consultation.contact_email, consultation.contact_phone
    _check_consultation(copy)
    copy.full_clean()
    copy.save()
    sections = {}
    for section in consultation.sections.order_by("position", "pk"):
        sections[section.pk] = Section.objects.create(
            consultation=copy, title=section.title, intro=section.intro, position=section.position
        )
    questions = {}
    for question in consultation.questions.order_by("position", "pk"):
        questions[question.pk] = Question.objects.create(
            consultation=copy,
            section=sections.get(question.section_id),
            position=question.position,
            code=question.code,
            kind=question.kind,
            text=question.text,
            help_text=question.help_text,
            required=question.required,
            options=question.options,
            statements=question.statements,
            rating_max=question.rating_max,
            max_length=question.max_length,
            condition_values=list(question.condition_values),
        )
    for original in consultation.questions.filter(condition_question__isnull=False):
        Question.objects.filter(pk=questions[original.pk].pk).update(
            condition_question=questions[original.condition_question_id]
        )
    for original in consultation.sections.filter(condition_question__isnull=False):
        Section.objects.filter(pk=sections[original.pk].pk).update(
            condition_question=questions[original.condition_question_id],
            condition_values=list(original.condition_values),
        )
    audit.record(
        action="consultation.copy",
        by=by,
        organisation=organisation,
        target=copy,
        new={
            **audit.snapshot(copy, CONSULTATION_FIELDS),
            "copied_from": consultation.pk,
            "sections": len(sections),
            "questions": len(questions),
        },
    )
    return copy


# The order of the questionnaire: questions outside any section first, then each section in turn.


def ordered_questions(consultation):
    """The consultation's questions in the order people answer them."""
    questions = list(consultation.questions.select_related("section"))
    return sorted(questions, key=_order_key)


def _order_key(question):
    section = question.section
    if section is None:
        return (0, 0, 0, question.position, question.pk)
    return (1, section.position, section.pk, question.position, question.pk)


def _renumber(consultation):
    """Give the questions positions 1, 2, 3… in questionnaire order, so that `position` alone orders
    them the same way everywhere."""
    for n, question in enumerate(ordered_questions(consultation), 1):
        if question.position != n:
            Question.objects.filter(pk=question.pk).update(position=n)


def _check_conditions(consultation):
    """Every condition of the consultation names an earlier choice question and only its option keys."""
    questions = ordered_questions(consultation)
    index = {q.pk: i for i, q in enumerate(questions)}
    first_of_section = {}
    for i, q in enumerate(questions):
        if q.section_id is not None:
            first_of_section.setdefault(q.section_id, i)
    for q in questions:
        if q.condition_question_id is not None and index.get(q.condition_question_id, len(questions)) >= index[q.pk]:
            raise ValidationError(
                f"‘{code_label(q)}’ would come before ‘{code_label(questions[index[q.condition_question_id]])}’, "
                "the question it depends on. A question can depend only on an earlier question"
            )
    for section in consultation.sections.filter(condition_question__isnull=False).select_related("condition_question"):
        cq = section.condition_question
        at = first_of_section.get(section.pk)
        if cq.section_id == section.pk or (at is not None and index[cq.pk] >= at):
            raise ValidationError(
                f"The section ‘{section.title}’ depends on ‘{code_label(cq)}’, which would no longer come "
                "before it. A section can depend only on a question before it"
            )
        later = cq.section is not None and (cq.section.position, cq.section.pk) > (section.position, section.pk)
        if at is None and later:
            raise ValidationError(f"The section ‘{section.title}’ depends on ‘{code_label(cq)}’, which comes after it")


def code_label(question):
    """How a question is named in messages and conditions: ‘Q2’ for q2, else its code."""
    return question.code.upper() if re.fullmatch(r"q\d+", question.code) else question.code


def _check_condition(consultation, condition_question, condition_values, *, itself=None):
    if condition_question is None:
        if condition_values:
            raise ValidationError({"condition_values": "Choose the question whose answer shows this one"})
        return []
    errors = {}
    if condition_question.consultation_id != consultation.pk:
        errors["condition_question"] = "Choose a question of this consultation"
    elif itself is not None and condition_question.pk == itself.pk:
        errors["condition_question"] = "A question cannot depend on its own answer"
    elif condition_question.kind not in CONDITION_KINDS:
        errors["condition_question"] = "Choose a question answered by choosing from a list"
    values = list(dict.fromkeys(condition_values or []))
    keys = [o["key"] for o in condition_question.options]
    if not errors:
        if not values:
            errors["condition_values"] = "Choose the answers that show it"
        elif any(v not in keys for v in values):
            errors["condition_values"] = f"Choose only answers offered by ‘{code_label(condition_question)}’"
    if errors:
        raise ValidationError(errors)
    return sorted(values, key=keys.index)


# Sections


def _next_section_position(consultation):
    return (consultation.sections.aggregate(m=Max("position"))["m"] or 0) + 1


@transaction.atomic
def section_create(*, by, consultation, title, intro="", condition_question=None, condition_values=()):
    values = _check_condition(consultation, condition_question, condition_values)
    section = writes.create(
        Section(
            consultation=consultation,
            title=title,
            intro=intro,
            position=_next_section_position(consultation),
            condition_question=condition_question,
            condition_values=values,
        ),
        by=by,
        action="section.create",
        fields=SECTION_FIELDS,
        extra={"consultation": consultation.pk},
    )
    _check_conditions(consultation)
    return section


def _audit_child(action, *, by, consultation, target, old=None, new=None):
    audit.record(action=action, by=by, organisation=consultation.organisation_id, target=target, old=old, new=new)


@transaction.atomic
def section_update(*, by, section, **changes):
    writes.only(SECTION_FIELDS, changes)
    consultation = section.consultation
    record = writes.lock(section)
    if "condition_question" in changes or "condition_values" in changes:
        changes["condition_values"] = _check_condition(
            consultation,
            changes.get("condition_question", record.condition_question),
            changes.get("condition_values", record.condition_values),
        )
    old = audit.snapshot(record, SECTION_FIELDS)
    for name, value in changes.items():
        setattr(record, name, value)
    new = audit.snapshot(record, SECTION_FIELDS)
    if new == old:
        return record
    record.full_clean()
    record.save()
    _check_conditions(consultation)
    before, after = audit.changed(old, new)
    _audit_child("section.update", by=by, consultation=consultation, target=record, old=before, new=after)
    return record


@transaction.atomic
def section_delete(*, by, section):
    n = section.questions.count()
    if n:
        raise ValidationError(
            f"This section has {_plural(n, 'question')}. Move them to another section or delete them first."
        )
    consultation = section.consultation
    audit.take_turn()
    _audit_child(
        "section.delete",
        by=by,
        consultation=consultation,
        target=section,
        old=audit.snapshot(section, SECTION_FIELDS),
    )
    section.delete()


# Questions


def option_lines(text):
    """The labels typed one per line, blank lines and surrounding spaces dropped, repeats once."""
    return list(dict.fromkeys(line.strip() for line in (text or "").splitlines() if line.strip()))


def keyed(labels, existing=(), prefix="c"):
    """[{"key", "label"}] for `labels`: a label already there keeps its key, a new one gets the next
    unused key (c4 after c1–c3, even if c2 was removed), so answers never move to another option."""
    existing = list(existing or [])
    by_label = {o["label"]: o["key"] for o in existing}
    used = [int(m.group(1)) for o in existing if (m := re.fullmatch(rf"{prefix}(\d+)", str(o["key"])))]
    n = max(used, default=0)
    result = []
    for label in labels:
        if label in by_label:
            result.append({"key": by_label.pop(label), "label": label})
        else:
            n += 1
            result.append({"key": f"{prefix}{n}", "label": label})
    return result


def _keys_in_use(question):
    """The option keys and statement keys the question's answers use."""
    options, statements = set(), set()
    for choice, value in Answer.objects.filter(question=question).values_list("choice", "value").iterator():
        if choice:
            options.add(choice)
        if isinstance(value, list):
            options |= {str(v) for v in value}
        elif isinstance(value, dict):
            statements |= {str(k) for k in value}
            options |= {str(v) for v in value.values()}
    return options, statements


def _shape(kind, *, options=None, statements=None, rating_max=None, max_length=None, existing=None):
    """The kind-dependent fields of a question: options (keyed), statements, rating_max, max_length."""
    errors = {}
    existing_options = existing.options if existing is not None and existing.kind == kind else []
    existing_statements = existing.statements if existing is not None and existing.kind == kind else []
    shaped = {"options": [], "statements": [], "rating_max": None, "max_length": None}
    if kind in scales.FIXED_SCALES:
        shaped["options"] = scales.options_for(kind)
    elif kind in scales.OWN_OPTIONS_KINDS:
        labels = list(options or [])
        if len(labels) < 2:
            errors["options"] = "Enter at least 2 options, one on each line"
        shaped["options"] = keyed(labels, existing_options)
    elif kind == Question.Kind.GRID:
        labels = list(options or [])
        shaped["options"] = keyed(labels, existing_options) if labels else [dict(o) for o in scales.AGREEMENT]
        if labels and len(labels) < 2:
            errors["options"] = "Enter at least 2 points on the scale, or leave it empty for the agreement scale"
        rows = list(statements or [])
        if not rows:
            errors["statements"] = "Enter at least 1 statement, one on each line"
        shaped["statements"] = keyed(rows, existing_statements, prefix="s")
    elif kind == Question.Kind.RATING:
        low, high = RATING_RANGE
        if rating_max is None:
            errors["rating_max"] = "Enter the highest rating, from 2 to 10"
        elif not low <= rating_max <= high:
            errors["rating_max"] = "The highest rating must be from 2 to 10"
        shaped["rating_max"] = rating_max
    elif kind in scales.TEXT_KINDS and kind != Question.Kind.POSTCODE:
        limit = SHORT_TEXT_MAX if kind == Question.Kind.SHORT_TEXT else Answer._meta.get_field("text").max_length
        if max_length is not None and not 1 <= max_length <= limit:
            errors["max_length"] = f"The longest answer must be from 1 to {limit:,} characters"
        shaped["max_length"] = max_length
    if errors:
        raise ValidationError(errors)
    return shaped


def _next_code(consultation):
    used = set(Question.objects.filter(consultation=consultation).values_list("code", flat=True))
    numbers = [int(m.group(1)) for code in used if (m := re.fullmatch(r"q(\d+)", code))]
    n = max(numbers, default=0) + 1
    while f"q{n}" in used:
        n += 1
    return f"q{n}"


def _check_section(consultation, section):
    if section is not None and section.consultation_id != consultation.pk:
        raise ValidationError({"section": "Choose a section of this consultation"})


@transaction.atomic
def question_create(
    *,
    by,
    consultation,
    kind,
    text,
    help_text="",
    required=False,
    section=None,
    options=None,
    statements=None,
    rating_max=None,
    max_length=None,
    condition_question=None,
    condition_values=(),
    fft_follow_up=False,
):
    """Add a question at the end of its section (or of the questions outside sections). `options` and
    `statements` are lists of labels; the keys are made here. `fft_follow_up`: for the Friends and
    Family Test question, also add its free-text follow-up ("Please can you tell us why…") after it."""
    _check_section(consultation, section)
    shaped = _shape(kind, options=options, statements=statements, rating_max=rating_max, max_length=max_length)
    values = _check_condition(consultation, condition_question, condition_values)
    audit.take_turn()
    Consultation.objects.select_for_update().filter(pk=consultation.pk).first()  # one code at a time
    question = Question(
        consultation=consultation,
        section=section,
        position=(consultation.questions.aggregate(m=Max("position"))["m"] or 0) + 1,
        code=_next_code(consultation),
        kind=kind,
        text=text,
        help_text=help_text,
        required=required,
        condition_question=condition_question,
        condition_values=values,
        **shaped,
    )
    question.full_clean()
    question.save()
    _renumber(consultation)
    _check_conditions(consultation)
    question.refresh_from_db()
    _audit_child(
        "question.create",
        by=by,
        consultation=consultation,
        target=question,
        new={**audit.snapshot(question, QUESTION_FIELDS), "code": question.code},
    )
    if fft_follow_up and kind == Question.Kind.FFT:
        question_create(
            by=by,
            consultation=consultation,
            kind=Question.Kind.FREE_TEXT,
            text=scales.FFT_FOLLOW_UP,
            section=section,
            condition_question=condition_question,
            condition_values=condition_values,
        )
    return question


@transaction.atomic
def question_update(*, by, question, **changes):
    """Change a question. `options` and `statements`, when given, are lists of labels."""
    writes.only(QUESTION_FIELDS, changes)
    consultation = question.consultation
    record = writes.lock(question)
    kind = changes.get("kind", record.kind)
    answered = Answer.objects.filter(question=record).exists()
    if kind != record.kind and (answered or consultation.state != State.DRAFT):
        raise ValidationError(
            {
                "kind": "The kind of question cannot change once the consultation is published or answered. "
                "Add a new question instead"
            }
        )
    if "section" in changes:
        _check_section(consultation, changes["section"])
    option_labels = changes.pop("options", None)
    statement_labels = changes.pop("statements", None)
    shaped = _shape(
        kind,
        options=option_labels if option_labels is not None else [o["label"] for o in record.options],
        statements=statement_labels if statement_labels is not None else [s["label"] for s in record.statements],
        rating_max=changes.pop("rating_max", record.rating_max),
        max_length=changes.pop("max_length", record.max_length),
        existing=record,
    )
    if kind == Question.Kind.GRID and option_labels == [] and record.kind == kind:
        shaped["options"] = [dict(o) for o in scales.AGREEMENT]
    _check_removed(record, shaped, answered, kind)
    if "condition_question" in changes or "condition_values" in changes:
        changes["condition_values"] = _check_condition(
            consultation,
            changes.get("condition_question", record.condition_question),
            changes.get("condition_values", record.condition_values),
            itself=record,
        )
    old = audit.snapshot(record, QUESTION_FIELDS)
    for name, value in {**changes, **shaped}.items():
        setattr(record, name, value)
    new = audit.snapshot(record, QUESTION_FIELDS)
    if new == old:
        return record
    record.full_clean()
    record.save()
    _renumber(consultation)
    _check_conditions(consultation)
    before, after = audit.changed(old, new)
    _audit_child("question.update", by=by, consultation=consultation, target=record, old=before, new=after)
    record.refresh_from_db()
    return record


def _check_removed(record, shaped, answered, kind):
    """Refuse removing an option or statement that answers use, or that a condition names."""
    dependants = [
        *Question.objects.filter(condition_question=record),
        *Section.objects.filter(condition_question=record),
    ]
    if dependants and kind not in CONDITION_KINDS:
        raise ValidationError(
            {"kind": "Other questions or sections are shown after an answer to this one, so it must stay a choice"}
        )
    kept_options = {o["key"] for o in shaped["options"]}
    kept_statements = {s["key"] for s in shaped["statements"]}
    removed_options = [o for o in record.options if o["key"] not in kept_options]
    removed_statements = [s for s in record.statements if s["key"] not in kept_statements]
    if not removed_options and not removed_statements:
        return
    errors = {}
    if answered:
        in_use, statements_in_use = _keys_in_use(record)
        used = [o["label"] for o in removed_options if o["key"] in in_use]
        if used:
            errors["options"] = (
                f"Answers already use {_quoted(used)}, so {'it' if len(used) == 1 else 'they'} cannot be removed. "
                "You can change the wording, keeping the meaning"
            )
        used_rows = [s["label"] for s in removed_statements if s["key"] in statements_in_use]
        if used_rows:
            errors["statements"] = f"Answers already use {_quoted(used_rows)}, so it cannot be removed"
    removed = {o["key"] for o in removed_options}
    needed = [d for d in dependants if removed & set(d.condition_values)]
    if needed and "options" not in errors:
        names = ", ".join(f"‘{code_label(d)}’" if isinstance(d, Question) else f"‘{d.title}’" for d in needed)
        verb = "is" if len(needed) == 1 else "are"
        errors["options"] = f"{names} {verb} shown by an option you removed. Change that condition first"
    if errors:
        raise ValidationError(errors)


def _quoted(labels):
    quoted = [f"‘{label}’" for label in labels]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


@transaction.atomic
def question_move(*, by, question, direction):
    """Swap the question with the one before (up) or after (down) it in its section."""
    if direction not in ("up", "down"):
        raise ValidationError("Choose to move it up or down")
    consultation = question.consultation
    audit.take_turn()
    Consultation.objects.select_for_update().filter(pk=consultation.pk).first()
    questions = [q for q in ordered_questions(consultation) if q.section_id == question.section_id]
    at = next(i for i, q in enumerate(questions) if q.pk == question.pk)
    other = at - 1 if direction == "up" else at + 1
    if not 0 <= other < len(questions):
        raise ValidationError(f"It is already the {'first' if direction == 'up' else 'last'} question here")
    mine, theirs = questions[at], questions[other]
    Question.objects.filter(pk=mine.pk).update(position=theirs.position)
    Question.objects.filter(pk=theirs.pk).update(position=mine.position)
    _renumber(consultation)
    _check_conditions(consultation)
    _audit_child(
        "question.move",
        by=by,
        consultation=consultation,
        target=mine,
        old={"position": at + 1},
        new={"position": other + 1, "direction": direction},
    )


@transaction.atomic
def question_delete(*, by, question):
    n = Answer.objects.filter(question=question).count()
    if n:
        raise ValidationError(
            f"This question has {_plural(n, 'answer')}, so it cannot be deleted. You can change its wording instead."
        )
    dependants = [
        *[f"‘{code_label(q)}’" for q in Question.objects.filter(condition_question=question)],
        *[f"the section ‘{s.title}’" for s in Section.objects.filter(condition_question=question)],
    ]
    if dependants:
        raise ValidationError(
            f"{', '.join(dependants)} {'is' if len(dependants) == 1 else 'are'} shown only after an answer to this "
            "question. Change or remove that condition first."
        )
    consultation = question.consultation
    audit.take_turn()
    _audit_child(
        "question.delete",
        by=by,
        consultation=consultation,
        target=question,
        old={**audit.snapshot(question, QUESTION_FIELDS), "code": question.code},
    )
    try:
        with transaction.atomic():
            question.delete()
    except ProtectedError:
        raise ValidationError("Someone has just answered this question, so it cannot be deleted.") from None
    _renumber(consultation)


# Responses


@transaction.atomic
def response_delete(*, by, response):
    """Delete one response with its answers and its equality monitoring record, in one transaction."""
    from involve.equality.models import EqualityRecord

    consultation = response.consultation
    writes.lock(response)
    n_answers = Answer.objects.filter(response=response).count()
    EqualityRecord.objects.filter(
        subject_kind=EqualityRecord.Subject.CONSULTATION_RESPONSE, subject_id=response.pk
    ).delete()
    Answer.objects.filter(response=response).delete()
    audit.record(
        action="response.delete",
        by=by,
        organisation=response.organisation_id,
        target=consultation,
        old={"reference": response.reference, "channel": response.channel, "answers": n_answers},
        target_label=str(consultation),
    )
    Response.objects.filter(pk=response.pk).delete()


def linkable(organisation):
    """The activities and decisions a consultation of `organisation` may be linked to."""
    return (
        Activity.objects.filter(organisation=organisation).order_by("title"),
        Decision.objects.filter(organisation=organisation).order_by("title"),
    )
