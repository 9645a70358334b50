"""The fixed answer scales some question kinds use, so every consultation asks them the same way and
their answers can be compared and imported (domain.md §11.1 for the Friends and Family Test)."""

from .models import Question

AGREEMENT = [
    {"key": "strongly_agree", "label": "Strongly agree"},
    {"key": "agree", "label": "Agree"},
    {"key": "neither", "label": "Neither agree nor disagree"},
    {"key": "disagree", "label": "Disagree"},
    {"key": "strongly_disagree", "label": "Strongly disagree"},
    {"key": "dont_know", "label": "Don't know"},
]
SATISFACTION = [
    {"key": "very_satisfied", "label": "Very satisfied"},
    {"key": "satisfied", "label": "Satisfied"},
    {"key": "neither", "label": "Neither satisfied nor dissatisfied"},
    {"key": "dissatisfied", "label": "Dissatisfied"},
    {"key": "very_dissatisfied", "label": "Very dissatisfied"},
    {"key": "dont_know", "label": "Don't know"},
]
# The FFT question since April 2020, with the codes 1–6 the FFT submissions use.
FFT_QUESTION = "Overall, how was your experience of our service?"
FFT = [
    {"key": "very_good", "label": "Very good", "code": 1},
    {"key": "good", "label": "Good", "code": 2},
    {"key": "neither", "label": "Neither good nor poor", "code": 3},
    {"key": "poor", "label": "Poor", "code": 4},
    {"key": "very_poor", "label": "Very poor", "code": 5},
    {"key": "dont_know", "label": "Don't know", "code": 6},
]
FFT_FOLLOW_UP = "Please can you tell us why you gave your answer?"
FFT_POSITIVE = {"very_good", "good"}
FFT_NEGATIVE = {"poor", "very_poor"}

FIXED_SCALES = {
    Question.Kind.AGREEMENT: AGREEMENT,
    Question.Kind.SATISFACTION: SATISFACTION,
    Question.Kind.FFT: FFT,
}
# Kinds whose answer is one key in Answer.choice.
ONE_CHOICE_KINDS = {Question.Kind.SINGLE_CHOICE, *FIXED_SCALES}
# Kinds whose options people write themselves.
OWN_OPTIONS_KINDS = {Question.Kind.SINGLE_CHOICE, Question.Kind.MULTIPLE_CHOICE, Question.Kind.RANKING}
TEXT_KINDS = {Question.Kind.FREE_TEXT, Question.Kind.SHORT_TEXT, Question.Kind.POSTCODE}
# Closed questions: counted, charted and cross-tabulated (analysis).
CLOSED_KINDS = {*ONE_CHOICE_KINDS, Question.Kind.MULTIPLE_CHOICE, Question.Kind.RATING, Question.Kind.GRID}


def options_for(kind, own=None):
    """The options a question of `kind` offers: the fixed scale, or the person's own list."""
    if kind in FIXED_SCALES:
        return [dict(o) for o in FIXED_SCALES[kind]]
    return list(own or [])
