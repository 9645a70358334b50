"""The builder's rules, in its services: consultations and their states, copying, sections and
questions (codes, option keys, conditions), deletes that are refused, and deleting a response."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from involve.audit.models import AuditEvent
from involve.consultations import scales, services
from involve.consultations.models import Answer, Consultation, Question, Response, Section
from involve.equality.models import EqualityRecord

from ..engagement.factories import make_activity, make_decision
from .factories import make_consultation, make_question, make_response, make_section

pytestmark = pytest.mark.django_db

Kind = Question.Kind
State = Consultation.State


def soon(days=10):
    return timezone.now() + datetime.timedelta(days=days)


def _new(cast, **fields):
    fields.setdefault("title", "Future of the birth centre")
    fields.setdefault("opens_at", timezone.now() - datetime.timedelta(hours=1))
    fields.setdefault("closes_at", soon())
    return services.consultation_create(by=cast.a_engagement_lead, organisation=cast.org_a, **fields)


def _question(consultation, by, kind=Kind.SINGLE_CHOICE, **fields):
    fields.setdefault("text", "Do you drive?")
    if kind in scales.OWN_OPTIONS_KINDS:
        fields.setdefault("options", ["Yes", "No"])
    return services.question_create(by=by, consultation=consultation, kind=kind, **fields)


# Consultations


def test_a_slug_is_made_from_the_title_unique_within_the_organisation(cast):
    first = _new(cast, title="Birth centre: have your say!")
    second = _new(cast, title="Birth centre: have your say!")
    assert first.slug == "birth-centre-have-your-say"
    assert second.slug == "birth-centre-have-your-say-2"
    other = services.consultation_create(by=cast.b_engagement_lead, organisation=cast.org_b, title=first.title)
    assert other.slug == first.slug  # another organisation's addresses are its own
    assert first.state == State.DRAFT and first.created_by == cast.a_engagement_lead
    assert AuditEvent.objects.filter(action="consultation.create", target_id=str(first.pk)).exists()


def test_a_slug_someone_chose_must_be_free(cast):
    _new(cast, slug="elm-street")
    with pytest.raises(ValidationError) as exc:
        _new(cast, slug="elm-street")
    assert "slug" in exc.value.error_dict


def test_it_closes_after_it_opens(cast):
    now = timezone.now()
    with pytest.raises(ValidationError) as exc:
        _new(cast, opens_at=now, closes_at=now)
    assert "closes_at" in exc.value.error_dict


def test_the_suppression_threshold_is_at_least_one(cast):
    with pytest.raises(ValidationError) as exc:
        _new(cast, suppression_threshold=0)
    assert "suppression_threshold" in exc.value.error_dict


def test_it_links_only_its_own_organisations_activity_and_decisions(cast):
    theirs = make_activity(cast.org_b, title="Beta event")
    with pytest.raises(ValidationError):
        _new(cast, activity=theirs)
    with pytest.raises(ValidationError):
        _new(cast, decisions=[make_decision(cast.org_b, "Beta decision")])
    ours = _new(cast, activity=make_activity(cast.org_a), decisions=[make_decision(cast.org_a, "Ours")])
    assert ours.decisions.count() == 1


def test_an_edit_checks_the_revision_it_was_opened_at(cast):
    from involve.core.conflicts import StaleEdit

    consultation = _new(cast)
    services.consultation_update(by=cast.a_contributor, consultation=consultation, revision=1, title="New title")
    with pytest.raises(StaleEdit):
        services.consultation_update(by=cast.a_contributor, consultation=consultation, revision=1, title="Other")
    consultation.refresh_from_db()
    assert consultation.title == "New title" and consultation.revision == 2


def test_a_consultation_with_responses_cannot_be_deleted(cast):
    consultation = make_consultation(cast.org_a)
    make_response(consultation)
    with pytest.raises(ValidationError, match="1 response"):
        services.consultation_delete(by=cast.a_engagement_lead, consultation=consultation)
    assert Consultation.objects.filter(pk=consultation.pk).exists()


def test_deleting_a_consultation_deletes_its_sections_and_questions(cast):
    consultation = _new(cast)
    section = services.section_create(by=cast.a_engagement_lead, consultation=consultation, title="About you")
    q1 = _question(consultation, cast.a_engagement_lead, section=section)
    _question(consultation, cast.a_engagement_lead, condition_question=q1, condition_values=["c1"], section=section)
    services.consultation_delete(by=cast.a_engagement_lead, consultation=consultation)
    assert not Consultation.objects.filter(pk=consultation.pk).exists()
    assert not Question.objects.filter(consultation_id=consultation.pk).exists()
    assert not Section.objects.filter(consultation_id=consultation.pk).exists()
    assert AuditEvent.objects.filter(action="consultation.delete").exists()


# States


def test_publishing_needs_a_question_and_a_closing_time_in_the_future(cast):
    consultation = _new(cast, closes_at=None)
    with pytest.raises(ValidationError) as exc:
        services.consultation_publish(by=cast.a_engagement_lead, consultation=consultation)
    assert "Add at least one question." in exc.value.messages
    assert "Set a closing date and time." in exc.value.messages
    _question(consultation, cast.a_engagement_lead)
    Consultation.objects.filter(pk=consultation.pk).update(
        opens_at=timezone.now() - datetime.timedelta(days=3), closes_at=timezone.now() - datetime.timedelta(days=1)
    )
    with pytest.raises(ValidationError, match="in the future"):
        services.consultation_publish(by=cast.a_engagement_lead, consultation=consultation)
    Consultation.objects.filter(pk=consultation.pk).update(closes_at=soon())
    published = services.consultation_publish(by=cast.a_engagement_lead, consultation=consultation)
    assert published.state == State.PUBLISHED
    assert AuditEvent.objects.filter(action="consultation.publish", target_id=str(consultation.pk)).exists()


def test_states_never_skip(cast):
    consultation = _new(cast)
    lead = cast.a_engagement_lead
    with pytest.raises(ValidationError):
        services.consultation_close(by=lead, consultation=consultation)  # draft → closed
    with pytest.raises(ValidationError):
        services.consultation_publish_results(by=lead, consultation=consultation, results_summary="x")
    with pytest.raises(ValidationError):
        services.consultation_reopen(by=lead, consultation=consultation, closes_at=soon())
    _question(consultation, lead)
    services.consultation_publish(by=lead, consultation=consultation)
    with pytest.raises(ValidationError):
        services.consultation_publish(by=lead, consultation=consultation)  # twice
    with pytest.raises(ValidationError):
        services.consultation_publish_results(by=lead, consultation=consultation, results_summary="x")
    closed = services.consultation_close(by=lead, consultation=consultation)
    assert closed.state == State.CLOSED and closed.closes_at <= timezone.now()
    with pytest.raises(ValidationError):
        services.consultation_close(by=lead, consultation=consultation)
    with pytest.raises(ValidationError) as exc:
        services.consultation_publish_results(by=lead, consultation=consultation, results_summary="  ")
    assert "results_summary" in exc.value.error_dict
    done = services.consultation_publish_results(by=lead, consultation=consultation, results_summary="We heard")
    assert done.state == State.RESULTS_PUBLISHED and done.results_published_at is not None
    with pytest.raises(ValidationError):
        services.consultation_reopen(by=lead, consultation=consultation, closes_at=soon())


def test_a_closed_consultation_reopens_with_a_new_closing_time_in_the_future(cast):
    lead = cast.a_engagement_lead
    consultation = make_consultation(cast.org_a, state=State.CLOSED)
    with pytest.raises(ValidationError) as exc:
        services.consultation_reopen(
            by=lead, consultation=consultation, closes_at=timezone.now() - datetime.timedelta(minutes=1)
        )
    assert "closes_at" in exc.value.error_dict
    reopened = services.consultation_reopen(by=lead, consultation=consultation, closes_at=soon(5))
    assert reopened.state == State.PUBLISHED and reopened.is_open()
    assert AuditEvent.objects.filter(action="consultation.reopen").exists()


def test_closing_before_the_opening_time_is_refused(cast):
    consultation = make_consultation(cast.org_a, opens_at=soon(2), closes_at=soon(9))
    with pytest.raises(ValidationError, match="not opened yet"):
        services.consultation_close(by=cast.a_engagement_lead, consultation=consultation)


# Copies


def test_a_copy_has_every_section_and_question_with_conditions_pointing_at_the_copies(cast):
    lead = cast.a_engagement_lead
    original = make_consultation(cast.org_a, ask_equality=False)
    s1 = make_section(original, "Getting there")
    s2 = make_section(original, "Drivers")
    drive = make_question(original, Kind.SINGLE_CHOICE, "Do you drive?", section=s1)
    parking = make_question(
        original, Kind.FREE_TEXT, "Tell us about parking", section=s1, condition_question=drive, condition_values=["c1"]
    )
    Section.objects.filter(pk=s2.pk).update(condition_question=drive, condition_values=["c1", "c3"])
    make_question(original, Kind.GRID, "Rate these", section=s2)
    make_response(original, {drive: "c1", parking: "Hard"})

    copy = services.consultation_copy(
        by=cast.b_engagement_lead, consultation=original, organisation=cast.org_b, title="Our copy"
    )
    assert copy.organisation == cast.org_b and copy.state == State.DRAFT and copy.copied_from == original
    assert copy.slug == "our-copy" and copy.opens_at is None and not copy.ask_equality
    assert not Response.objects.filter(consultation=copy).exists()
    copied = {q.code: q for q in copy.questions.all()}
    assert sorted(copied) == sorted(original.questions.values_list("code", flat=True))
    assert copied[parking.code].condition_question == copied[drive.code]
    assert copied[parking.code].condition_values == ["c1"]
    assert copied[parking.code].section.consultation == copy
    copied_s2 = copy.sections.get(title="Drivers")
    assert copied_s2.condition_question == copied[drive.code] and copied_s2.condition_values == ["c1", "c3"]
    assert copied[drive.code].options == drive.options
    # The original is untouched.
    parking.refresh_from_db()
    assert parking.condition_question == drive
    assert AuditEvent.objects.filter(action="consultation.copy", organisation_id=cast.org_b.pk).exists()
    del lead


# Questions


def test_codes_are_made_in_turn_and_never_reused(cast):
    lead = cast.a_engagement_lead
    consultation = _new(cast)
    q1 = _question(consultation, lead)
    q2 = _question(consultation, lead, kind=Kind.FREE_TEXT, text="Why?")
    assert (q1.code, q2.code) == ("q1", "q2")
    services.question_delete(by=lead, question=q2)
    q3 = _question(consultation, lead, kind=Kind.FREE_TEXT, text="Anything else?")
    assert q3.code == "q2"  # q2 is free again: nothing answered it
    Question.objects.filter(pk=q3.pk).update(code="q7")
    assert _question(consultation, lead).code == "q8"


def test_scales_get_their_fixed_options_and_own_options_get_keys(cast):
    lead = cast.a_engagement_lead
    consultation = _new(cast)
    fft = _question(consultation, lead, kind=Kind.FFT, text=scales.FFT_QUESTION)
    assert fft.options == scales.FFT
    choice = _question(consultation, lead, options=["Bus", "Car", "Walk"])
    assert choice.options == [
        {"key": "c1", "label": "Bus"},
        {"key": "c2", "label": "Car"},
        {"key": "c3", "label": "Walk"},
    ]
    grid = _question(consultation, lead, kind=Kind.GRID, statements=["Parking is easy", "Staff are kind"])
    assert grid.options == scales.AGREEMENT and [s["key"] for s in grid.statements] == ["s1", "s2"]


@pytest.mark.parametrize(
    "kind, fields, field",
    [
        (Kind.SINGLE_CHOICE, {"options": ["Only one"]}, "options"),
        (Kind.RANKING, {"options": []}, "options"),
        (Kind.GRID, {"statements": []}, "statements"),
        (Kind.RATING, {"rating_max": 1}, "rating_max"),
        (Kind.RATING, {"rating_max": 11}, "rating_max"),
        (Kind.RATING, {}, "rating_max"),
        (Kind.SHORT_TEXT, {"max_length": 501}, "max_length"),
    ],
)
def test_each_kind_needs_what_it_asks_with(cast, kind, fields, field):
    with pytest.raises(ValidationError) as exc:
        services.question_create(by=cast.a_contributor, consultation=_new(cast), kind=kind, text="Q", **fields)
    assert field in exc.value.error_dict


def test_a_rating_from_2_to_10(cast):
    q = _question(_new(cast), cast.a_contributor, kind=Kind.RATING, rating_max=10)
    assert q.rating_max == 10 and q.options == []


def test_option_keys_stay_with_their_labels_on_edit(cast):
    lead = cast.a_engagement_lead
    consultation = _new(cast)
    q = _question(consultation, lead, options=["Bus", "Car", "Walk"])
    q = services.question_update(by=lead, question=q, options=["Walk", "Bus", "Cycle"])
    assert q.options == [{"key": "c3", "label": "Walk"}, {"key": "c1", "label": "Bus"}, {"key": "c4", "label": "Cycle"}]
    # Saving the same labels changes nothing, and writes no event.
    events = AuditEvent.objects.count()
    services.question_update(by=lead, question=q, options=["Walk", "Bus", "Cycle"], text=q.text)
    assert AuditEvent.objects.count() == events


def test_an_option_answers_use_cannot_be_removed(cast):
    lead = cast.a_engagement_lead
    consultation = make_consultation(cast.org_a)
    single = make_question(consultation, Kind.SINGLE_CHOICE)
    several = make_question(consultation, Kind.MULTIPLE_CHOICE)
    make_response(consultation, {single: "c2", several: ["c1", "c3"]})
    with pytest.raises(ValidationError, match="‘No’") as exc:
        services.question_update(by=lead, question=single, options=["Yes", "Not sure"])
    assert "options" in exc.value.error_dict
    with pytest.raises(ValidationError, match="‘Not sure’"):
        services.question_update(by=lead, question=several, options=["Yes", "No"])
    # An option nobody chose may go; a renamed one becomes a new option, so the old must stay.
    q = services.question_update(by=lead, question=several, options=["Yes", "Not sure", "Maybe"])
    assert [o["key"] for o in q.options] == ["c1", "c3", "c4"]


def test_a_grid_statement_answers_use_cannot_be_removed(cast):
    consultation = make_consultation(cast.org_a)
    grid = make_question(consultation, Kind.GRID)
    make_response(consultation, {grid: {"s2": "agree"}})
    with pytest.raises(ValidationError) as exc:
        services.question_update(by=cast.a_contributor, question=grid, statements=["Parking is easy"])
    assert "statements" in exc.value.error_dict


def test_the_kind_cannot_change_once_published_or_answered(cast):
    lead = cast.a_engagement_lead
    published = make_consultation(cast.org_a)
    q = make_question(published, Kind.SINGLE_CHOICE)
    with pytest.raises(ValidationError) as exc:
        services.question_update(by=lead, question=q, kind=Kind.MULTIPLE_CHOICE)
    assert "kind" in exc.value.error_dict
    # Its wording may change after publication.
    q = services.question_update(by=lead, question=q, text="Do you drive to the clinic?", help_text="Any car")
    assert q.text == "Do you drive to the clinic?"
    draft = _new(cast)
    q = _question(draft, lead)
    assert services.question_update(by=lead, question=q, kind=Kind.MULTIPLE_CHOICE).kind == Kind.MULTIPLE_CHOICE


def test_a_condition_names_an_earlier_choice_question_of_the_same_consultation(cast):
    lead = cast.a_engagement_lead
    consultation = _new(cast)
    text = _question(consultation, lead, kind=Kind.FREE_TEXT, text="Tell us")
    drive = _question(consultation, lead)
    elsewhere = _question(_new(cast, title="Another"), lead)
    for condition, values, field in [
        (text, ["c1"], "condition_question"),  # not a choice
        (elsewhere, ["c1"], "condition_question"),  # another consultation
        (drive, ["c9"], "condition_values"),  # not one of its options
        (drive, [], "condition_values"),  # no answer named
    ]:
        with pytest.raises(ValidationError) as exc:
            _question(consultation, lead, condition_question=condition, condition_values=values)
        assert field in exc.value.error_dict, (condition, values)
    shown = _question(
        consultation, lead, kind=Kind.FREE_TEXT, text="Why?", condition_question=drive, condition_values=["c2", "c1"]
    )
    assert shown.condition_values == ["c1", "c2"]  # in the order of the options
    # A question cannot be moved above the question it depends on.
    with pytest.raises(ValidationError, match="depends on"):
        services.question_move(by=lead, question=shown, direction="up")
    # Nor depend on a question that comes after it.
    with pytest.raises(ValidationError, match="earlier"):
        services.question_update(by=lead, question=text, condition_question=drive, condition_values=["c1"])


def test_a_section_condition_names_a_question_before_the_section(cast):
    lead = cast.a_engagement_lead
    consultation = _new(cast)
    first = services.section_create(by=lead, consultation=consultation, title="First")
    drive = _question(consultation, lead, section=first)
    second = services.section_create(
        by=lead, consultation=consultation, title="Drivers", condition_question=drive, condition_values=["c1"]
    )
    assert second.condition_values == ["c1"]
    with pytest.raises(ValidationError, match="before"):
        services.section_update(by=lead, section=first, condition_question=drive, condition_values=["c1"])
    # Moving the question it depends on into the section it shows is refused too.
    with pytest.raises(ValidationError):
        services.question_update(by=lead, question=drive, section=second)


def test_questions_move_within_their_section(cast):
    lead = cast.a_engagement_lead
    consultation = _new(cast)
    a = _question(consultation, lead, text="A")
    b = _question(consultation, lead, text="B")
    services.question_move(by=lead, question=b, direction="up")
    assert [q.text for q in consultation.questions.order_by("position")] == ["B", "A"]
    with pytest.raises(ValidationError, match="first"):
        services.question_move(by=lead, question=b, direction="up")
    with pytest.raises(ValidationError):
        services.question_move(by=lead, question=a, direction="sideways")
    assert AuditEvent.objects.filter(action="question.move").count() == 1


def test_positions_follow_the_sections(cast):
    lead = cast.a_engagement_lead
    consultation = _new(cast)
    one = services.section_create(by=lead, consultation=consultation, title="One")
    two = services.section_create(by=lead, consultation=consultation, title="Two")
    in_two = _question(consultation, lead, text="In two", section=two)
    in_one = _question(consultation, lead, text="In one", section=one)
    loose = _question(consultation, lead, text="Loose")
    order = list(consultation.questions.order_by("position").values_list("pk", flat=True))
    assert order == [loose.pk, in_one.pk, in_two.pk]


def test_a_question_with_answers_or_dependants_cannot_be_deleted(cast):
    lead = cast.a_engagement_lead
    consultation = make_consultation(cast.org_a)
    drive = make_question(consultation, Kind.SINGLE_CHOICE)
    why = make_question(consultation, Kind.FREE_TEXT, condition_question=drive, condition_values=["c1"])
    with pytest.raises(ValidationError, match="Q2"):
        services.question_delete(by=lead, question=drive)
    make_response(consultation, {why: "Because"})
    with pytest.raises(ValidationError, match="1 answer"):
        services.question_delete(by=lead, question=why)
    section = make_section(consultation, condition_question=drive, condition_values=["c2"])
    Question.objects.filter(pk=why.pk).update(condition_question=None, condition_values=[])
    with pytest.raises(ValidationError, match="section"):
        services.question_delete(by=lead, question=drive)
    # And an option a condition names cannot be removed either.
    with pytest.raises(ValidationError, match="Change that condition"):
        services.question_update(by=lead, question=drive, options=["Yes", "Not sure"])
    assert section.pk


def test_a_section_with_questions_cannot_be_deleted(cast):
    lead = cast.a_engagement_lead
    consultation = _new(cast)
    section = services.section_create(by=lead, consultation=consultation, title="About you")
    q = _question(consultation, lead, section=section)
    with pytest.raises(ValidationError, match="1 question"):
        services.section_delete(by=lead, section=section)
    services.question_delete(by=lead, question=q)
    services.section_delete(by=lead, section=section)
    assert not Section.objects.filter(pk=section.pk).exists()


# Responses


def test_deleting_a_response_deletes_its_answers_and_equality_record(cast):
    consultation = make_consultation(cast.org_a)
    q = make_question(consultation)
    keep = make_response(consultation, {q: "Stays"})
    response = make_response(consultation, {q: "Goes"})
    for r in (keep, response):
        EqualityRecord.objects.create(
            organisation=cast.org_a, subject_kind="consultation_response", subject_id=r.pk, consented=True
        )
    services.response_delete(by=cast.a_engagement_lead, response=response)
    assert not Response.objects.filter(pk=response.pk).exists()
    assert not Answer.objects.filter(response_id=response.pk).exists()
    assert not EqualityRecord.objects.filter(subject_id=response.pk).exists()
    assert EqualityRecord.objects.filter(subject_id=keep.pk).exists() and Answer.objects.filter(response=keep).exists()
    event = AuditEvent.objects.get(action="response.delete")
    assert event.old["reference"] == response.reference


def test_the_web_address_stays_once_published(cast):
    lead = cast.a_engagement_lead
    draft = _new(cast, slug="first-try")
    draft = services.consultation_update(by=lead, consultation=draft, slug="second-try")
    assert draft.slug == "second-try"
    draft = services.consultation_update(by=lead, consultation=draft, slug="")  # empty keeps it
    assert draft.slug == "second-try"
    published = make_consultation(cast.org_a, slug="elm")
    with pytest.raises(ValidationError) as exc:
        services.consultation_update(by=lead, consultation=published, slug="birch")
    assert "slug" in exc.value.error_dict
    assert services.consultation_update(by=lead, consultation=published, title="Renamed").slug == "elm"


def test_the_friends_and_family_test_question_brings_its_follow_up(cast):
    consultation = _new(cast)
    fft = _question(consultation, cast.a_contributor, kind=Kind.FFT, text=scales.FFT_QUESTION, fft_follow_up=True)
    follow_up = consultation.questions.get(position=fft.position + 1)
    assert follow_up.kind == Kind.FREE_TEXT and follow_up.text == scales.FFT_FOLLOW_UP and follow_up.code == "q2"
