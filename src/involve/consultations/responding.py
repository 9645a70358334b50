"""The questions of a consultation as people answer them: its pages, a form per page, the conditions that
show a question or a section only after a given answer, and the one validator every way in uses
(the public pages, drafts, paper entry and the tests).

Posted data (what a browser sends) uses one field per question, `q_<code>`, except a ranking (one
select per option, `q_<code>_<option key>`, holding its rank) and a grid (one radio group per
statement, `q_<code>_<statement key>`). The answers that come out are {question code: value}:

- free text, short text, postcode: the text (a postcode normalised, "LS1 4AP");
- one choice, the scales, FFT: the option key;
- several choices: the list of keys ticked, in the order offered;
- rating: the number;
- ranking: the option keys from first to last;
- grid: {statement key: option key}.

Nothing here writes to the database: `validate_response` is a pure function of the consultation's
questions and the posted data.
"""

import dataclasses

from django import forms
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from involve.core.forms import Form, humanise_errors
from involve.equality import categories
from involve.equality.services import normalise_postcode

from . import scales
from .models import ANSWER_MAX_LENGTH, Consultation, Question

SHORT_ANSWER_MAX_LENGTH = 500
POSTCODE_MAX_LENGTH = 16
PREFIX = "q_"
EQUALITY_PREFIX = "eq_"
CONSENT_FIELD = "eq_consent"


def _short(text, limit=90):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def field_name(question, key=None):
    return f"{PREFIX}{question.code}" + (f"_{key}" if key is not None else "")


# The survey and its pages


@dataclasses.dataclass
class Page:
    number: int  # from 1
    title: str
    intro: str
    section: object  # Section or None
    questions: list


@dataclasses.dataclass
class Survey:
    consultation: Consultation
    questions: list  # in the order asked
    sections: list
    pages: list

    @property
    def by_code(self):
        return {q.code: q for q in self.questions}

    def page(self, number):
        return self.pages[number - 1] if 1 <= number <= len(self.pages) else None


def _order(question, sections):
    section = sections.get(question.section_id)
    if section is None:
        return (0, 0, 0, question.position, question.pk or 0)
    return (1, section.position, section.pk, question.position, question.pk or 0)


def survey_for(consultation, *, paging=None) -> Survey:
    """The consultation's questions in the order asked, cut into pages by its paging (or `paging`)."""
    sections = {s.pk: s for s in consultation.sections.select_related("condition_question")}
    questions = sorted(consultation.questions.select_related("condition_question"), key=lambda q: _order(q, sections))
    for question in questions:
        question.section = sections.get(question.section_id)
    paging = paging or consultation.paging
    pages = []
    if paging == Consultation.Paging.QUESTION:
        for question in questions:
            section = question.section
            pages.append(Page(len(pages) + 1, section.title if section else "", "", section, [question]))
    elif paging == Consultation.Paging.SECTION:
        groups = {}
        for question in questions:
            groups.setdefault(question.section_id, []).append(question)
        for section_id, group in groups.items():
            section = sections.get(section_id)
            title = section.title if section else consultation.title
            pages.append(Page(len(pages) + 1, title, section.intro if section else "", section, group))
    elif questions:
        pages.append(Page(1, consultation.title, "", None, questions))
    return Survey(consultation, questions, sorted(sections.values(), key=lambda s: (s.position, s.pk)), pages)


# Conditions


def condition_met(condition_question, values, answers) -> bool:
    """Whether the answer so far to `condition_question` is among `values` (any tick, for several)."""
    if condition_question is None:
        return True
    given = answers.get(condition_question.code)
    if given in (None, "", [], {}):
        return False
    wanted = {str(v) for v in values or []}
    if isinstance(given, dict):
        return any(str(v) in wanted for v in given.values())
    if isinstance(given, list):
        return any(str(v) in wanted for v in given)
    return str(given) in wanted


def asked(question, answers) -> bool:
    """Whether `question` is asked, given the answers so far: its section's condition and its own hold."""
    section = question.section
    if section is not None and not condition_met(section.condition_question, section.condition_values, answers):
        return False
    return condition_met(question.condition_question, question.condition_values, answers)


def _condition_text(condition_question, values):
    labels = condition_question.option_labels if condition_question.options else {}
    said = " or ".join(f"“{labels.get(str(v), v)}”" for v in values or [])
    return _("Answer this only if you answered %(answer)s to “%(question)s”.") % {
        "answer": said,
        "question": _short(condition_question.text),
    }


def condition_hint(question):
    """What the page says above a question shown with its condition question on the same page."""
    if question.condition_question is not None:
        return _condition_text(question.condition_question, question.condition_values)
    return ""


def section_condition_hint(section):
    if section is not None and section.condition_question is not None:
        return _condition_text(section.condition_question, section.condition_values)
    return ""


def shown_on_page(page, answers):
    """The page's questions the person is shown: those asked given earlier answers, and those whose
    condition question is on this same page (shown with a hint, checked when the page is sent)."""
    here = {q.code for q in page.questions}
    shown = []
    for question in page.questions:
        section = question.section
        conditions = []
        if section is not None and section.condition_question is not None:
            conditions.append((section.condition_question, section.condition_values))
        if question.condition_question is not None:
            conditions.append((question.condition_question, question.condition_values))
        if all(cq.code in here or condition_met(cq, values, answers) for cq, values in conditions):
            shown.append(question)
    return shown


# Form fields for one question


class RankSelect(forms.Select):
    pass


def _fields_for(question):
    """{field name: form field} for one question. Every field is optional to Django: whether a
    question must be answered depends on its condition, checked in QuestionsForm.clean()."""
    name = field_name(question)
    short = _short(question.text)
    label = question.text
    kind = question.kind
    choices = [(o["key"], o["label"]) for o in question.options]
    invalid = {"invalid_choice": _("Select one of the answers offered for “%(question)s”") % {"question": short}}
    if kind == Question.Kind.FREE_TEXT:
        limit = min(question.max_length or ANSWER_MAX_LENGTH, ANSWER_MAX_LENGTH)
        message = _("Your answer to “%(question)s” must be %(limit)s characters or fewer") % {
            "question": short,
            "limit": f"{limit:,}",
        }
        return {
            name: forms.CharField(
                label=label,
                required=False,
                max_length=limit,
                widget=forms.Textarea(attrs={"rows": 5}),
                error_messages={"max_length": message},
            )
        }
    if kind == Question.Kind.SHORT_TEXT:
        limit = min(question.max_length or SHORT_ANSWER_MAX_LENGTH, SHORT_ANSWER_MAX_LENGTH)
        message = _("Your answer to “%(question)s” must be %(limit)s characters or fewer") % {
            "question": short,
            "limit": limit,
        }
        return {
            name: forms.CharField(label=label, required=False, max_length=limit, error_messages={"max_length": message})
        }
    if kind == Question.Kind.POSTCODE:
        message = _("Enter a real postcode, like LS1 4AP")
        field = forms.CharField(
            label=label,
            required=False,
            max_length=POSTCODE_MAX_LENGTH,
            error_messages={"max_length": message},
            widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
        )
        return {name: field}
    if kind in scales.ONE_CHOICE_KINDS:
        return {
            name: forms.ChoiceField(
                label=label, required=False, choices=choices, widget=forms.RadioSelect, error_messages=invalid
            )
        }
    if kind == Question.Kind.MULTIPLE_CHOICE:
        messages = {
            "invalid_choice": _("Select only answers offered for “%(question)s”") % {"question": short},
            "invalid_list": _("Select only answers offered for “%(question)s”") % {"question": short},
        }
        return {
            name: forms.MultipleChoiceField(
                label=label,
                required=False,
                choices=choices,
                widget=forms.CheckboxSelectMultiple,
                error_messages=messages,
            )
        }
    if kind == Question.Kind.RATING:
        top = question.rating_max or 5
        ratings = [(str(i), str(i)) for i in range(1, top + 1)]
        return {
            name: forms.ChoiceField(
                label=label, required=False, choices=ratings, widget=forms.RadioSelect, error_messages=invalid
            )
        }
    if kind == Question.Kind.RANKING:
        ranks = [("", _("Not ranked"))] + [(str(i), str(i)) for i in range(1, len(question.options) + 1)]
        return {
            field_name(question, option["key"]): forms.ChoiceField(
                label=option["label"], required=False, choices=ranks, widget=RankSelect, error_messages=invalid
            )
            for option in question.options
        }
    if kind == Question.Kind.GRID:
        return {
            field_name(question, statement["key"]): forms.ChoiceField(
                label=statement["label"],
                required=False,
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={
                    "invalid_choice": _("Select one of the answers offered for “%(statement)s”")
                    % {"statement": _short(statement["label"])}
                },
            )
            for statement in question.statements
        }
    raise ValueError(f"Unknown question kind {kind!r}")


def field_names(question):
    if question.kind == Question.Kind.RANKING:
        return [field_name(question, o["key"]) for o in question.options]
    if question.kind == Question.Kind.GRID:
        return [field_name(question, s["key"]) for s in question.statements]
    return [field_name(question)]


def _required_message(question):
    short = _short(question.text)
    kind = question.kind
    if kind in scales.TEXT_KINDS:
        if kind == Question.Kind.POSTCODE:
            return _("Enter your postcode")
        return _("Enter your answer to “%(question)s”") % {"question": short}
    if kind == Question.Kind.RATING:
        return _("Select how you rate “%(question)s”") % {"question": short}
    if kind == Question.Kind.MULTIPLE_CHOICE:
        return _("Select at least one answer to “%(question)s”") % {"question": short}
    if kind == Question.Kind.RANKING:
        return _("Rank at least one option for “%(question)s”") % {"question": short}
    return _("Select your answer to “%(question)s”") % {"question": short}


def _value_of(question, cleaned):
    """The answer from the cleaned fields of one question, or None when it was not answered."""
    kind = question.kind
    if kind == Question.Kind.RANKING:
        ranked = [
            (int(cleaned[field_name(question, o["key"])]), o["key"])
            for o in question.options
            if cleaned.get(field_name(question, o["key"]))
        ]
        return [key for _rank, key in sorted(ranked)] or None
    if kind == Question.Kind.GRID:
        grid = {s["key"]: cleaned[field_name(question, s["key"])] for s in question.statements}
        return {k: v for k, v in grid.items() if v} or None
    value = cleaned.get(field_name(question))
    if kind == Question.Kind.MULTIPLE_CHOICE:
        order = [o["key"] for o in question.options]
        return sorted(set(value), key=order.index) if value else None
    if kind == Question.Kind.RATING:
        return int(value) if value else None
    if kind == Question.Kind.POSTCODE:
        return value or None  # normalised in clean()
    return value or None


def _equality_fields():
    fields = {}
    for category in categories.CATEGORIES:
        fields[EQUALITY_PREFIX + category.key] = forms.ChoiceField(
            label=category.label,
            help_text=category.hint,
            required=False,
            choices=list(category.choices),
            widget=forms.RadioSelect,
            error_messages={
                "invalid_choice": _("Select one of the answers offered for “%(question)s”")
                % {"question": _short(category.label)}
            },
        )
    fields[CONSENT_FIELD] = forms.BooleanField(
        label=gettext_lazy(
            "I agree that my answers to these questions may be kept, apart from my other answers, "
            "and used only in totals to check that we hear from everyone"
        ),
        required=False,
    )
    return fields


HONEYPOT = "website"


class QuestionsForm(Form):
    """One page of questions (and, when asked, the equality questions). `earlier` holds the answers
    from other pages, against which the conditions are checked with this page's own answers."""

    def __init__(
        self,
        data=None,
        *,
        questions,
        all_questions=None,
        earlier=None,
        equality=False,
        honeypot=False,
        require_something=False,
        **kwargs,
    ):
        super().__init__(data, **kwargs)
        self.questions = list(questions)
        self.all_questions = list(all_questions if all_questions is not None else questions)
        self.earlier = dict(earlier or {})
        self.equality = equality
        self.require_something = require_something
        for question in self.questions:
            self.fields.update(_fields_for(question))
        if equality:
            self.fields.update(_equality_fields())
        if honeypot:
            self.fields[HONEYPOT] = forms.CharField(
                label=gettext_lazy("Leave this empty"), required=False, max_length=200
            )
        humanise_errors(self)
        self.answers = {}
        self.equality_answers = {}
        self.consent = False

    def question_fields(self, question):
        return [self[name] for name in field_names(question)]

    def equality_fields(self):
        return [self[EQUALITY_PREFIX + c.key] for c in categories.CATEGORIES] if self.equality else []

    def clean(self):
        cleaned = super().clean()
        if self.data is None:
            return cleaned
        if cleaned.get(HONEYPOT):
            self.add_error(HONEYPOT, _("Leave the box labelled “Leave this empty” empty"))
        self._refuse_unasked()
        page = {}
        for question in self.questions:
            names = field_names(question)
            if any(self.has_error(n) for n in names):
                continue
            if question.kind == Question.Kind.POSTCODE and cleaned.get(names[0]):
                postcode = normalise_postcode(cleaned[names[0]])
                if not postcode:
                    self.add_error(names[0], _("Enter a real postcode, like LS1 4AP"))
                    continue
                cleaned[names[0]] = postcode
            if question.kind == Question.Kind.RANKING and not self._ranks_once(question, cleaned):
                continue
            value = _value_of(question, cleaned)
            if value is not None:
                page[question.code] = value
        answers = {**self.earlier, **page}
        # Conditions in the order asked, so that an answer hidden by a hidden answer is hidden too.
        known = {}
        for question in self.all_questions:
            if question.code in answers and asked(question, known):
                known[question.code] = answers[question.code]
        for question in self.questions:
            if asked(question, known):
                if question.required and question.code not in page and not self._has_errors(question):
                    self.add_error(self._first(question), _required_message(question))
                elif question.kind == Question.Kind.GRID and question.required and question.code in page:
                    for statement in question.statements:
                        if statement["key"] not in page[question.code]:
                            self.add_error(
                                field_name(question, statement["key"]),
                                _("Select your answer for “%(statement)s”") % {"statement": _short(statement["label"])},
                            )
            elif question.code in page:
                self.add_error(self._first(question), self._not_asked_message(question))
                page.pop(question.code)
        self.answers = {code: value for code, value in page.items() if code in known}
        if self.equality:
            self._clean_equality(cleaned)
        if self.require_something and not self.errors and not known and not self.equality_answers:
            self.add_error(None, _("Answer at least one question before you send your response"))
        return cleaned

    def _has_errors(self, question):
        return any(self.has_error(n) for n in field_names(question))

    def _first(self, question):
        return field_names(question)[0] if field_names(question) else None

    def _not_asked_message(self, question):
        reasons = []
        section = question.section
        if section is not None and section.condition_question is not None:
            reasons.append(_condition_text(section.condition_question, section.condition_values))
        if question.condition_question is not None:
            reasons.append(_condition_text(question.condition_question, question.condition_values))
        return _(
            "This question was not asked because of an earlier answer, so your answer cannot be kept. "
            "Clear your answer, or change the earlier one. %(why)s"
        ) % {"why": " ".join(reasons)}

    def _ranks_once(self, question, cleaned):
        seen = {}
        for option in question.options:
            name = field_name(question, option["key"])
            rank = cleaned.get(name)
            if not rank:
                continue
            if rank in seen:
                self.add_error(
                    name,
                    _("Use each rank only once: “%(first)s” and “%(second)s” are both ranked %(rank)s")
                    % {"first": seen[rank], "second": option["label"], "rank": rank},
                )
                return False
            seen[rank] = option["label"]
        return True

    def _refuse_unasked(self):
        """Refuse answers posted to fields this page does not show: a question hidden by its condition,
        or one that is not in this survey at all (a tampered or out-of-date form)."""
        ours = set(self.fields)
        by_name = {}
        for question in self.all_questions:
            for name in [field_name(question), *field_names(question)]:
                by_name[name] = question
        for key in self.data:
            if not key.startswith(PREFIX) or key in ours:
                continue
            values = self.data.getlist(key) if hasattr(self.data, "getlist") else [self.data[key]]
            if not any(str(v).strip() for v in values):
                continue
            question = by_name.get(key)
            if question is None:
                self.add_error(
                    None,
                    _(
                        "An answer was sent to a question that is not in this survey. The survey may have "
                        "changed since you opened the page: reload it and try again."
                    ),
                )
            else:
                self.add_error(
                    None,
                    _(
                        "An answer was sent to “%(question)s”, which was not asked because of an earlier "
                        "answer, so it cannot be kept."
                    )
                    % {"question": _short(question.text)},
                )
            return

    def _clean_equality(self, cleaned):
        given = {}
        for category in categories.CATEGORIES:
            value = cleaned.get(EQUALITY_PREFIX + category.key)
            if value:
                given[category.key] = value
        self.consent = bool(cleaned.get(CONSENT_FIELD))
        if given and not self.consent:
            self.add_error(
                CONSENT_FIELD,
                _("Tick the box to agree to us keeping your answers about you, or leave those questions blank"),
            )
        self.equality_answers = given


# The validator every way in uses


@dataclasses.dataclass
class Result:
    answers: dict  # {question code: value}
    equality: dict  # {category key: code}
    consent: bool
    errors: list  # [(field name or None, message)]
    form: QuestionsForm

    @property
    def ok(self):
        return not self.errors


def as_data(data):
    """A MultiValueDict from a QueryDict, or a plain dict of values and lists of values."""
    if isinstance(data, MultiValueDict):
        return data
    result = MultiValueDict()
    for key, value in (data or {}).items():
        result.setlist(str(key), [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)])
    return result


def validate_response(consultation, data, *, survey=None, equality=None, require_something=True) -> Result:
    """Check a whole response posted at once (every question on one page): kinds, choices offered,
    ranks used once, conditions, required questions, and the equality questions when the
    consultation asks them. Returns the answers, or the errors; never raises for bad data."""
    survey = survey or survey_for(consultation, paging=Consultation.Paging.ALL)
    form = QuestionsForm(
        as_data(data),
        questions=survey.questions,
        equality=consultation.ask_equality if equality is None else equality,
        require_something=require_something,
    )
    ok = form.is_valid()
    errors = [] if ok else [(name if name != "__all__" else None, e) for name, es in form.errors.items() for e in es]
    return Result(
        answers=form.answers if ok else {},
        equality=form.equality_answers if ok else {},
        consent=form.consent if ok else False,
        errors=errors,
        form=form,
    )


def validate_answers(survey, data):
    """A draft's posted values checked again as a whole (conditions may have changed since a page was
    saved): ([(question, message)], answers); no errors when they can be submitted."""
    form = QuestionsForm(as_data(data), questions=survey.questions)
    form.is_valid()
    by_field = {}
    for question in survey.questions:
        for name in field_names(question):
            by_field[name] = question
    return [(by_field.get(name), e) for name, es in form.errors.items() for e in es], form.answers


# Between answers, posted data and Answer rows


def posted_for(questions, answers):
    """The posted data that gives `answers` back: for drafts (refilling a page) and round trips."""
    data = {}
    for question in questions:
        value = answers.get(question.code)
        if value in (None, "", [], {}):
            continue
        if question.kind == Question.Kind.RANKING:
            for rank, key in enumerate(value, 1):
                data[field_name(question, key)] = str(rank)
        elif question.kind == Question.Kind.GRID:
            for key, option in value.items():
                data[field_name(question, key)] = option
        elif question.kind == Question.Kind.MULTIPLE_CHOICE:
            data[field_name(question)] = list(value)
        else:
            data[field_name(question)] = str(value)
    return data


def answer_fields(question, value):
    """The Answer columns that hold `value` for this question's kind."""
    if question.kind in scales.TEXT_KINDS:
        return {"text": value}
    if question.kind in scales.ONE_CHOICE_KINDS:
        return {"choice": value}
    if question.kind == Question.Kind.RATING:
        return {"number": int(value)}
    return {"value": value}


def answer_value(question, answer):
    """The answer back from an Answer row."""
    if question.kind in scales.TEXT_KINDS:
        return answer.text
    if question.kind in scales.ONE_CHOICE_KINDS:
        return answer.choice
    if question.kind == Question.Kind.RATING:
        return answer.number
    return answer.value


def display(question, value):
    """An answer in words, for the check-your-answers page: a list of lines."""
    if value in (None, "", [], {}):
        return []
    labels = question.option_labels
    if question.kind == Question.Kind.MULTIPLE_CHOICE:
        return [labels.get(v, v) for v in value]
    if question.kind == Question.Kind.RANKING:
        return [f"{i}. {labels.get(v, v)}" for i, v in enumerate(value, 1)]
    if question.kind == Question.Kind.GRID:
        statements = {s["key"]: s["label"] for s in question.statements}
        return [f"{statements.get(k, k)}: {labels.get(v, v)}" for k, v in value.items()]
    if question.kind in scales.ONE_CHOICE_KINDS:
        return [labels.get(value, value)]
    return str(value).splitlines() or [str(value)]


def equality_display(equality):
    rows = []
    for category in categories.CATEGORIES:
        code = equality.get(category.key)
        if code:
            rows.append((category.label, category.labels.get(code, code)))
    return rows
