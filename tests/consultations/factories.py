"""Consultation records for tests, made straight through the ORM (services are tested on their own)."""

import datetime

from django.utils import timezone

from involve.consultations import responding, scales
from involve.consultations.models import Answer, Consultation, ImportRun, Question, Response, Section

from ..engagement.factories import TODAY, days  # noqa: F401  (one clock for every test)


def now():
    return timezone.now()


def make_consultation(
    organisation, title="Future of Elm Street clinic", *, state=Consultation.State.PUBLISHED, **fields
):
    """Open now unless told otherwise: opened yesterday, closes in 30 days."""
    fields.setdefault("slug", fields.pop("slug", None) or title.lower().replace(" ", "-")[:80])
    fields.setdefault("opens_at", now() - datetime.timedelta(days=1))
    fields.setdefault("closes_at", now() + datetime.timedelta(days=30))
    fields.setdefault("summary", "We want to hear what you think about moving the clinic.")
    return Consultation.objects.create(organisation=organisation, title=title, state=state, **fields)


def make_section(consultation, title="About you", **fields):
    fields.setdefault("position", consultation.sections.count() + 1)
    return Section.objects.create(consultation=consultation, title=title, **fields)


def make_question(consultation, kind=Question.Kind.FREE_TEXT, text=None, *, code=None, options=None, **fields):
    """A question of `kind`; choice kinds get three options (c1–c3) unless given, scales their fixed scale."""
    position = consultation.questions.count() + 1
    if options is None and kind in scales.OWN_OPTIONS_KINDS:
        options = [{"key": f"c{i}", "label": label} for i, label in enumerate(["Yes", "No", "Not sure"], 1)]
    if kind == Question.Kind.GRID:
        fields.setdefault(
            "statements", [{"key": "s1", "label": "Parking is easy"}, {"key": "s2", "label": "Staff are kind"}]
        )
        options = options or [dict(o) for o in scales.AGREEMENT]
    if kind == Question.Kind.RATING:
        fields.setdefault("rating_max", 5)
    return Question.objects.create(
        consultation=consultation,
        kind=kind,
        text=text or f"Question {position}",
        code=code or f"q{position}",
        position=fields.pop("position", position),
        options=scales.options_for(kind, options),
        **fields,
    )


def make_response(consultation, answers=None, **fields):
    """A response with answers {question: value}: text for text kinds, a key for one choice, a list for
    several, a number for a rating, a dict for a grid."""
    response = Response.objects.create(organisation=consultation.organisation, consultation=consultation, **fields)
    for question, value in (answers or {}).items():
        Answer.objects.create(response=response, question=question, **responding.answer_fields(question, value))
    return response


def make_import_run(consultation, **fields):
    fields.setdefault("layout", ImportRun.Layout.FFT)
    fields.setdefault("original_name", "fft-march.csv")
    fields.setdefault("sha256", "0" * 64)
    return ImportRun.objects.create(organisation=consultation.organisation, consultation=consultation, **fields)
