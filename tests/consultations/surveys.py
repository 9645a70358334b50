"""A long survey with every kind of question, a conditional question and a conditional section, for
the responding tests and the browser journey."""

import types

from involve.consultations.models import Consultation, Question

from .factories import make_consultation, make_question, make_section

K = Question.Kind


def long_survey(organisation, *, paging=Consultation.Paging.SECTION, title="Elm Street clinic survey", **fields):
    c = make_consultation(organisation, title=title, paging=paging, **fields)
    s1 = make_section(c, "Your visits", position=1)
    s2 = make_section(c, "Getting there", position=2)
    s3 = make_section(c, "Your experience", position=3)
    q = types.SimpleNamespace(consultation=c, sections=(s1, s2, s3))
    q.visited = make_question(
        c,
        K.SINGLE_CHOICE,
        "Have you been to the Elm Street clinic?",
        code="visited",
        section=s1,
        required=True,
        options=[{"key": "yes", "label": "Yes"}, {"key": "no", "label": "No"}],
    )
    q.why_not = make_question(
        c,
        K.FREE_TEXT,
        "Why have you not been?",
        code="why_not",
        section=s1,
        condition_question=q.visited,
        condition_values=["no"],
    )
    q.services = make_question(
        c,
        K.MULTIPLE_CHOICE,
        "Which services have you used?",
        code="services",
        section=s1,
        options=[
            {"key": "gp", "label": "GP"},
            {"key": "nurse", "label": "Practice nurse"},
            {"key": "bloods", "label": "Blood tests"},
            {"key": "physio", "label": "Physiotherapy"},
        ],
    )
    q.rating = make_question(c, K.RATING, "How do you rate the clinic overall?", code="rating", section=s1)
    # Shown only to those who said they visited: a conditional section.
    s2.condition_question = q.visited
    s2.condition_values = ["yes"]
    s2.save()
    q.travel = make_question(
        c,
        K.SINGLE_CHOICE,
        "How do you usually get there?",
        code="travel",
        section=s2,
        options=[{"key": "car", "label": "Car"}, {"key": "bus", "label": "Bus"}, {"key": "walk", "label": "Walk"}],
    )
    q.parking = make_question(
        c,
        K.FREE_TEXT,
        "What is parking like?",
        code="parking",
        section=s2,
        condition_question=q.travel,
        condition_values=["car"],
    )
    q.postcode = make_question(c, K.POSTCODE, "What is your postcode?", code="postcode", section=s2)
    q.grid = make_question(c, K.GRID, "How much do you agree?", code="grid", section=s3)
    q.ranking = make_question(
        c,
        K.RANKING,
        "Put these in order of importance",
        code="ranking",
        section=s3,
        options=[
            {"key": "time", "label": "Short waits"},
            {"key": "near", "label": "Close to home"},
            {"key": "staff", "label": "Same staff each time"},
        ],
    )
    q.agree = make_question(c, K.AGREEMENT, "We should move the clinic", code="agree", section=s3)
    q.fft = make_question(c, K.FFT, "Overall, how was your experience of our service?", code="fft", section=s3)
    q.name = make_question(c, K.SHORT_TEXT, "Which ward were you on?", code="ward", section=s3)
    q.comments = make_question(c, K.FREE_TEXT, "Anything else?", code="comments", section=s3)
    return q
