"""The ready mappings: from a file's headings to where each column goes, for the layouts the tools
NHS bodies use export (domain.md §11.1 for the Friends and Family Test), and the targets a column
may be mapped to on the mapping page.

A mapping is {column heading: target}; a target is a question ("q:<code>"), a response field
(RESPONSE_FIELDS) or "" (do not import).
"""

import re

from .. import scales
from ..models import ImportRun, Question

SUBMITTED_AT, SERVICE, SOURCE_REFERENCE = "submitted_at", "service", "source_reference"
RESPONSE_FIELDS = {
    SUBMITTED_AT: "Date submitted",
    SERVICE: "Service, ward or location",
    SOURCE_REFERENCE: "Reference in the other tool (response ID)",
}
SKIP = ""
FFT_CODE, FFT_COMMENT_CODE = "fft", "fft_comment"
# Question kinds a column can fill: one cell holds one answer. Rankings and grids take several
# columns each in the tools' exports and are entered by hand.
IMPORTABLE_KINDS = {
    Question.Kind.FREE_TEXT,
    Question.Kind.SHORT_TEXT,
    Question.Kind.POSTCODE,
    Question.Kind.SINGLE_CHOICE,
    Question.Kind.MULTIPLE_CHOICE,
    Question.Kind.AGREEMENT,
    Question.Kind.SATISFACTION,
    Question.Kind.FFT,
    Question.Kind.RATING,
}


def normalise(text) -> str:
    """For comparing headings, question texts and choice labels: case, spaces, curly quotes, a full stop."""
    text = str(text).replace("\u2019", "'").replace("\u2018", "'").replace("\u00a0", " ")
    return " ".join(text.lower().split()).rstrip(".?:")


def question_target(code: str) -> str:
    return f"q:{code}"


def fft_questions():
    """The two questions an FFT import fills, as they are made when the consultation lacks them."""
    return [
        Question(code=FFT_CODE, kind=Question.Kind.FFT, text=scales.FFT_QUESTION, options=scales.options_for("fft")),
        Question(code=FFT_COMMENT_CODE, kind=Question.Kind.FREE_TEXT, text=scales.FFT_FOLLOW_UP),
    ]


def questions_for(consultation, layout):
    """{code: Question} a file may fill: the consultation's importable questions, plus for an FFT file the
    FFT question and its follow-up (unsaved, made on commit) if the consultation has not got them."""
    questions = {q.code: q for q in consultation.questions.all() if q.kind in IMPORTABLE_KINDS}
    if layout == ImportRun.Layout.FFT:
        for question in fft_questions():
            if question.code not in questions:
                taken = consultation.questions.filter(code=question.code).exists()
                if not taken:
                    question.consultation = consultation
                    questions[question.code] = question
    return questions


def target_choices(questions):
    """(value, label) for the mapping page's selects."""
    choices = [(SKIP, "Do not import")]
    choices += [(key, label) for key, label in RESPONSE_FIELDS.items()]
    for code, question in questions.items():
        new = " (added when imported)" if question.pk is None else ""
        text = question.text if len(question.text) <= 90 else question.text[:88] + "…"
        choices.append((question_target(code), f"Question: {text}{new}"))
    return choices


_FFT_HEADINGS = [
    (FFT_COMMENT_CODE, r"(free ?text|comments?|what .*|why .*|tell us.*|feedback( text)?|patient comments?)"),
    (FFT_CODE, r"(fft )?(rating|score|response|answer)( \(1-6\))?|fft|friends and family test|overall experience"),
    (SUBMITTED_AT, r"(response |survey |submission )?date( submitted| of response)?|submitted( at| on)?|date and time"),
    (SERVICE, r"service|location|ward|department|site|clinic|practice|unit|team|service name|ward name|site name"),
]
_CITIZEN_SPACE_HEADINGS = [
    (SOURCE_REFERENCE, r"response id|response (number|reference)|id"),
    (SUBMITTED_AT, r"submitted|date|date submitted|submitted (at|on)|response submitted|completed"),
]
_ENGAGEMENT_HQ_HEADINGS = [
    (SOURCE_REFERENCE, r"response no|response number|respondent|respondent id|response id|id"),
    (SUBMITTED_AT, r"date submitted|submitted at|submitted|date"),
]
_PATTERNS = {
    ImportRun.Layout.FFT: _FFT_HEADINGS,
    ImportRun.Layout.CITIZEN_SPACE: _CITIZEN_SPACE_HEADINGS,
    ImportRun.Layout.ENGAGEMENT_HQ: _ENGAGEMENT_HQ_HEADINGS,
    ImportRun.Layout.CUSTOM: [],
}


def suggest_mapping(layout, headings, questions):
    """The mapping page's first suggestion for `headings`: each target used once, first column wins."""
    mapping, used = {}, set()
    by_text = {normalise(q.text): code for code, q in questions.items()}
    by_code = {normalise(code): code for code in questions}
    for heading in headings:
        key = normalise(heading)
        target = SKIP
        for name, pattern in _PATTERNS[layout]:
            if re.fullmatch(pattern, key):
                target = question_target(name) if name in (FFT_CODE, FFT_COMMENT_CODE) else name
                break
        if target == SKIP:
            code = by_text.get(key) or by_code.get(key)
            if code:
                target = question_target(code)
        if target in used or (target.startswith("q:") and target[2:] not in questions):
            target = SKIP
        if target:
            used.add(target)
        mapping[heading] = target
    return mapping
