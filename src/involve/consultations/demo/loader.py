"""Writes the demo consultations in data.py into the ICB's records. Each consultation is looked up by
its address first, so loading twice adds nothing."""

import csv
import datetime
import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from involve.core.uploads import CSV, check_upload
from involve.engagement.models import Activity, LadderLevel, Method
from involve.equality import categories
from involve.equality.management.commands.equality_load_sample import load_sample
from involve.equality.models import EqualityRecord, PostcodeArea
from involve.equality.services import record_answers

from .. import responding, scales
from ..imports import services as imports
from ..models import Answer, Consultation, ImportRun, Question, Response, Section
from .data import COMMENTS, CONSULTATIONS, FFT_DEMO

ORGANISATION = "QWE"


def load_area(context):
    organisation = context["organisations"][ORGANISATION]
    lead = context["users"].get("icb.lead@example.nhs.uk")
    rng = random.Random(2026)  # noqa: S311 (made-up answers, the same in every demo)
    load_sample()  # the sample postcode → deprivation lookup, so equality answers carry a decile
    postcodes = list(PostcodeArea.objects.order_by("postcode").values_list("postcode", flat=True)[:40])
    for spec in CONSULTATIONS:
        if not Consultation.objects.filter(organisation=organisation, slug=spec["slug"]).exists():
            consultation = _consultation(organisation, lead, spec)
            _responses(consultation, spec["responses"], rng, postcodes)
    _fft_import(organisation, lead, rng)


def _fft_file(rng):
    """A month of FFT free-text export in the layout the FFT import reads (domain.md §11.1)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Date", "Service", "Question", "FFT rating", "Comment"])
    today = timezone.localdate()
    for n in range(FFT_DEMO["rows"]):
        # Each answer at its own minute of a day: the import refuses a row that repeats another exactly.
        day = datetime.datetime.combine(today - datetime.timedelta(days=1 + n % 30), datetime.time(8)) + (
            datetime.timedelta(minutes=n // 30)
        )
        rating = rng.choices([o["label"] for o in scales.FFT], [55, 25, 7, 5, 5, 3])[0]
        writer.writerow(
            [
                f"{day:%Y-%m-%d %H:%M}",
                rng.choice(FFT_DEMO["services"]),
                scales.FFT_QUESTION,
                rating,
                rng.choice(COMMENTS),
            ]
        )
    return out.getvalue().encode()


def _fft_import(organisation, lead, rng):
    """The FFT feedback collection, filled through the import the product runs (a file, checked,
    mapped, committed), so the demo shows an imported file on its import page."""
    consultation = Consultation.objects.filter(organisation=organisation, slug=FFT_DEMO["slug"]).first()
    if consultation is None:
        consultation = Consultation.objects.create(
            organisation=organisation,
            kind=Consultation.Kind.FEEDBACK,
            title=FFT_DEMO["title"],
            slug=FFT_DEMO["slug"],
            summary="Friends and Family Test answers from the wards and clinics, imported every month.",
            state=Consultation.State.CLOSED,
            ask_equality=False,
            opens_at=timezone.now() - datetime.timedelta(days=31),
            closes_at=timezone.now() - datetime.timedelta(minutes=1),
            created_by=lead,
        )
    if consultation.imports.filter(state=ImportRun.State.DONE).exists():
        return
    name = f"fft-{timezone.localdate():%Y-%m}.csv"
    checked = check_upload(SimpleUploadedFile(name, _fft_file(rng), "text/csv"), kinds=(CSV,))
    run, already = imports.upload(consultation=consultation, checked=checked, layout=ImportRun.Layout.FFT, by=lead)
    if not already:
        imports.start(run=run, by=lead)


def _activity(organisation, spec, opens, closes):
    activity = Activity.objects.filter(organisation=organisation, title=spec["activity"]).first()
    if activity is None:
        state = Activity.State.DONE if closes < timezone.now() else Activity.State.TAKING_PLACE
        activity = Activity.objects.create(
            organisation=organisation,
            title=spec["activity"],
            method=Method.CONSULTATION if spec["kind"] == "consultation" else Method.SURVEY,
            ladder_level=LadderLevel.CONSULT,
            state=state,
            starts_on=timezone.localdate(opens),
            ends_on=timezone.localdate(closes) if state == Activity.State.DONE else None,
            online=True,
        )
    return activity


def _consultation(organisation, lead, spec):
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    opens = now + datetime.timedelta(days=spec["opens"])
    closes = (now + datetime.timedelta(days=spec["closes"])).replace(hour=23, minute=59)
    consultation = Consultation.objects.create(
        organisation=organisation,
        activity=_activity(organisation, spec, opens, closes),
        kind=spec["kind"],
        title=spec["title"],
        slug=spec["slug"],
        summary=spec["summary"],
        background=spec["background"],
        other_ways=spec["other_ways"],
        contact_email="engagement@northtown-icb.example.nhs.uk",
        contact_phone="0300 123 4567",
        opens_at=opens,
        closes_at=closes,
        state=spec["state"],
        paging=spec["paging"],
        results_summary=spec.get("results", ""),
        results_published_at=closes + datetime.timedelta(days=30) if spec.get("results") else None,
        created_by=lead,
    )
    position = 0
    first_choice = None
    for s, section_spec in enumerate(spec["sections"], 1):
        section = None
        if section_spec["title"]:
            section = Section.objects.create(consultation=consultation, title=section_spec["title"], position=s)
        for kind, text, own, required in section_spec["questions"]:
            position += 1
            fields = {}
            if kind == Question.Kind.GRID:
                fields["statements"] = [{"key": f"s{i}", "label": label} for i, label in enumerate(own, 1)]
                options = scales.options_for(Question.Kind.AGREEMENT)
            else:
                options = scales.options_for(kind, [{"key": f"c{i}", "label": o} for i, o in enumerate(own or [], 1)])
            if kind == Question.Kind.RATING:
                fields["rating_max"] = 5
            question = Question.objects.create(
                consultation=consultation,
                section=section,
                position=position,
                code=f"q{position}",
                kind=kind,
                text=text,
                required=required,
                options=options,
                **fields,
            )
            if first_choice is None and kind == Question.Kind.SINGLE_CHOICE:
                first_choice = question
            elif first_choice is not None and kind == Question.Kind.MULTIPLE_CHOICE:
                # Travel is asked only of people who have used the services (a conditional question).
                question.condition_question = first_choice
                question.condition_values = [o["key"] for o in first_choice.options[:3]]
                question.save()
    return consultation


def _answer(question, rng):
    keys = [o["key"] for o in question.options]
    if question.kind in scales.TEXT_KINDS:
        return rng.choice(COMMENTS)
    if question.kind in scales.ONE_CHOICE_KINDS:
        # Leaning positive, as real consultations often do, so the charts have a shape.
        return keys[min(int(rng.triangular(0, len(keys), 0)), len(keys) - 1)]
    if question.kind == Question.Kind.MULTIPLE_CHOICE:
        return rng.sample(keys, rng.randint(1, min(3, len(keys))))
    if question.kind == Question.Kind.RATING:
        return rng.randint(1, question.rating_max or 5)
    if question.kind == Question.Kind.RANKING:
        return rng.sample(keys, len(keys))
    if question.kind == Question.Kind.GRID:
        return {s["key"]: rng.choice(keys[:5]) for s in question.statements}
    return None


def _responses(consultation, count, rng, postcodes):
    questions = list(
        consultation.questions.select_related("section__condition_question", "condition_question").order_by("position")
    )
    start, end = consultation.opens_at, min(consultation.closes_at, timezone.now())
    span = (end - start).total_seconds()
    for _ in range(count):
        submitted = start + datetime.timedelta(seconds=rng.uniform(0, span))
        channel = rng.choices(
            [Response.Channel.ONLINE, Response.Channel.PAPER, Response.Channel.FACE_TO_FACE], [85, 10, 5]
        )[0]
        response = Response.objects.create(
            organisation=consultation.organisation,
            consultation=consultation,
            channel=channel,
            submitted_at=submitted,
            publish_consent=rng.random() < 0.6,
        )
        given, rows = {}, []
        for question in questions:
            if not responding.asked(question, given):
                continue
            value = _answer(question, rng)
            if value in (None, "") or (not question.required and rng.random() < 0.1):
                continue
            given[question.code] = value
            rows.append(Answer(response=response, question=question, **responding.answer_fields(question, value)))
        Answer.objects.bulk_create(rows)
        if consultation.ask_equality and rng.random() < 0.8:
            _equality(response, rng, postcodes)


def _equality(response, rng, postcodes):
    answers = {}
    for category in categories.CATEGORIES:
        codes = [code for code, _ in category.choices]
        # Most answer; a few skip a question or prefer not to say.
        roll = rng.random()
        answers[category.key] = "" if roll < 0.05 else codes[-1] if roll < 0.12 else rng.choice(codes[:-1])
    if answers.get("sex") == "male" and answers.get("pregnancy_maternity") == "yes":
        answers["pregnancy_maternity"] = "no"  # made up, but not absurd
    if EqualityRecord.objects.filter(subject_kind="consultation_response", subject_id=response.pk).exists():
        return
    record_answers(
        organisation=response.organisation,
        subject_kind="consultation_response",
        subject_id=response.pk,
        answers=answers,
        consented=True,
        postcode=rng.choice(postcodes) if postcodes else "",
    )
