"""Closed-question analysis: counts and percentages with their base n, and cross-tabulations by
another question or by an equality characteristic, with small-number suppression everywhere.

Bases, said on every table: for a question with one answer (a choice, a scale, the Friends and Family
Test, a rating) the base is the people who **answered** that question; the number of responses to the
consultation (the people **asked**, conditional questions aside) is given beside it. A "choose several"
question gives each option's share of the people who answered it, so the shares add up to more than
100%. The FFT's "% positive" (very good + good) and "% negative" (poor + very poor) keep "Don't know"
in the base, as NHS England's publications do.

Counts are grouped in the database (by question and choice, or by question and number); the answers
of "choose several" and grid questions are JSON lists and maps, read as (question, value) pairs in one
query and counted here. Every count below the consultation's `suppression_threshold` is suppressed
(involve.core.suppression), with secondary suppression wherever counts add up to a total shown.
"""

import dataclasses
from collections import Counter, defaultdict

from django.db.models import Count

from involve.core import suppression
from involve.equality import categories as equality_categories
from involve.equality.models import EqualityRecord

from . import scales
from .models import Answer, Consultation, Question

Kind = Question.Kind
NOT_ANSWERED = "not_answered"
NOT_ANSWERED_LABEL = "Not answered"
# Question kinds a cross-tab can use as its rows or columns.
CROSSTAB_KINDS = {*scales.ONE_CHOICE_KINDS, Kind.MULTIPLE_CHOICE, Kind.RATING}


@dataclasses.dataclass
class Bar:
    key: str
    label: str
    count: int | None  # None: suppressed
    percent: int | None


@dataclasses.dataclass
class Share:
    """A share of the base made of several bars (the FFT's % positive), shown only when it cannot be
    used to work out a suppressed bar."""

    label: str
    count: int | None
    percent: int | None


@dataclasses.dataclass
class Distribution:
    title: str
    bars: list
    base: int | None  # None: suppressed
    base_text: str
    additive: bool = True  # the bars add up to the base (not so for "choose several")
    mean: float | None = None
    shares: list = dataclasses.field(default_factory=list)

    @property
    def suppressed(self):
        return any(b.count is None for b in self.bars) or self.base is None


@dataclasses.dataclass
class QuestionResult:
    question: Question
    answered: int  # before suppression: the page says how many answered only through `base`
    distributions: list  # one, or one per statement of a grid
    note: str = ""


@dataclasses.dataclass
class Analysis:
    consultation: Consultation
    responses: int
    threshold: int
    closed: list  # QuestionResult
    free_text: list  # (question, number of answers)


def _distribution(title, options, counts, *, answered, threshold, responses, additive=True, unit="answered"):
    """Bars for `options` [(key, label)] from raw `counts` {key: n}, suppressed."""
    raw = [counts.get(key, 0) for key, _ in options]
    shown, base = suppression.suppress_counts(raw, threshold, total=answered, additive=additive)
    bars = [Bar(key, label, n, suppression.percent(n, base)) for (key, label), n in zip(options, shown, strict=True)]
    people = "person" if answered == 1 else "people"
    base_text = (
        f"Base: {suppression.display(base)} {people} who {unit} this question"
        f" ({suppression.display(suppression.suppress(responses, threshold))} responses in all)"
    )
    return Distribution(title, bars, base, base_text, additive=additive)


def _share(dist, label, keys):
    """The bars with `keys` together, as a share of the base: shown unless exactly one of them is
    suppressed (then the share would give it away) or the base is."""
    members = [b for b in dist.bars if b.key in keys]
    hidden = sum(b.count is None for b in members)
    if dist.base is None or hidden:
        # One hidden member would be given away by the share; all hidden, the share may be small itself.
        return Share(label, None, None)
    count = sum(b.count for b in members)
    return Share(label, count, suppression.percent(count, dist.base))


def analyse(consultation: Consultation) -> Analysis:
    """Every closed question's counts, and the number of answers to each free-text question."""
    threshold = consultation.suppression_threshold
    questions = list(consultation.questions.all())
    responses = consultation.responses.count()
    closed = [q for q in questions if q.kind in scales.CLOSED_KINDS]
    text = [q for q in questions if q.kind in scales.TEXT_KINDS]

    choice_counts = defaultdict(Counter)
    answered = Counter()
    one_choice = [q.pk for q in closed if q.kind in scales.ONE_CHOICE_KINDS]
    if one_choice:
        rows = (
            Answer.objects.filter(question_id__in=one_choice)
            .exclude(choice="")
            .values_list("question_id", "choice")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for question_id, choice, n in rows:
            choice_counts[question_id][choice] += n
            answered[question_id] += n
    ratings = [q.pk for q in closed if q.kind == Kind.RATING]
    if ratings:
        rows = (
            Answer.objects.filter(question_id__in=ratings, number__isnull=False)
            .values_list("question_id", "number")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for question_id, number, n in rows:
            choice_counts[question_id][str(number)] += n
            answered[question_id] += n
    structured = {q.pk: q for q in closed if q.kind in (Kind.MULTIPLE_CHOICE, Kind.GRID)}
    grid_counts = defaultdict(lambda: defaultdict(Counter))
    grid_answered = defaultdict(Counter)
    if structured:
        for question_id, value in Answer.objects.filter(question_id__in=structured).values_list("question_id", "value"):
            question = structured[question_id]
            if question.kind == Kind.MULTIPLE_CHOICE and isinstance(value, list) and value:
                answered[question_id] += 1
                for key in set(value):
                    choice_counts[question_id][key] += 1
            elif question.kind == Kind.GRID and isinstance(value, dict) and value:
                answered[question_id] += 1
                for statement, key in value.items():
                    if key:
                        grid_counts[question_id][statement][key] += 1
                        grid_answered[question_id][statement] += 1

    results = []
    for q in closed:
        results.append(
            _result(
                q, choice_counts[q.pk], answered[q.pk], grid_counts[q.pk], grid_answered[q.pk], threshold, responses
            )
        )
    free = []
    if text:
        counts = dict(
            Answer.objects.filter(question_id__in=[q.pk for q in text])
            .exclude(text="")
            .values_list("question_id")
            .annotate(n=Count("pk"))
            .order_by()
            .values_list("question_id", "n")
        )
        free = [(q, counts.get(q.pk, 0)) for q in text]
    return Analysis(consultation, responses, threshold, results, free)


def rating_options(question):
    return [(str(n), str(n)) for n in range(1, (question.rating_max or 5) + 1)]


def _options(question):
    if question.kind == Kind.RATING:
        return rating_options(question)
    return [(o["key"], o["label"]) for o in question.options]


def _result(q, counts, answered, grid_counts, grid_answered, threshold, responses):
    if q.kind == Kind.GRID:
        options = _options(q)
        dists = [
            _distribution(
                s["label"],
                options,
                grid_counts.get(s["key"], {}),
                answered=grid_answered.get(s["key"], 0),
                threshold=threshold,
                responses=responses,
                unit="answered this statement of",
            )
            for s in q.statements
        ]
        return QuestionResult(q, answered, dists, note="Each statement's base is the people who answered it.")
    additive = q.kind != Kind.MULTIPLE_CHOICE
    dist = _distribution(
        q.text, _options(q), counts, answered=answered, threshold=threshold, responses=responses, additive=additive
    )
    note = ""
    if q.kind == Kind.MULTIPLE_CHOICE:
        note = "People could choose several options, so the percentages add up to more than 100%."
    elif q.kind == Kind.RATING:
        if dist.base is not None and answered:
            dist.mean = round(sum(int(k) * n for k, n in counts.items()) / answered, 1)
        note = "The mean is shown only when the base is not suppressed."
    elif q.kind == Kind.FFT:
        dist.shares = [
            _share(dist, "Positive (very good or good)", scales.FFT_POSITIVE),
            _share(dist, "Negative (poor or very poor)", scales.FFT_NEGATIVE),
        ]
        note = "“Don't know” answers are included in the base of the positive and negative percentages."
    return QuestionResult(q, answered, [dist], note=note)


# Cross-tabulation


@dataclasses.dataclass(frozen=True)
class Dimension:
    """Something to cross-tabulate by: a question, or an equality characteristic."""

    key: str  # "q:<pk>" or "eq:<category key>"
    label: str
    options: tuple  # ((key, label), ...), "Not answered" last
    question: Question | None = None
    equality_field: str = ""
    several: bool = False  # a person may fall in several categories ("choose several")

    @property
    def is_equality(self):
        return bool(self.equality_field)


def question_dimensions(consultation):
    dims = []
    for q in consultation.questions.filter(kind__in=CROSSTAB_KINDS):
        options = (*_options(q), (NOT_ANSWERED, NOT_ANSWERED_LABEL))
        dims.append(Dimension(f"q:{q.pk}", f"{q.code}: {q.text}", options, q, several=q.kind == Kind.MULTIPLE_CHOICE))
    return dims


def equality_dimensions():
    dims = [
        Dimension(
            f"eq:{c.key}",
            c.characteristic + ("" if c.key != "ethnicity_census_2021" else " (2021 census)"),
            (*c.choices, (NOT_ANSWERED, NOT_ANSWERED_LABEL)),
            equality_field=c.key,
        )
        for c in equality_categories.CATEGORIES
    ]
    deciles = tuple((str(d), label) for d, label in equality_categories.IMD_DECILES)
    dims.append(
        Dimension(
            "eq:imd_decile",
            "Deprivation (IMD decile)",
            (*deciles, (NOT_ANSWERED, "Not known")),
            equality_field="imd_decile",
        )
    )
    return dims


def _memberships(consultation, dim):
    """{response id: [category keys]} for every response to the consultation."""
    ids = list(consultation.responses.values_list("pk", flat=True))
    found = {}
    if dim.is_equality:
        rows = EqualityRecord.objects.filter(
            organisation_id=consultation.organisation_id,
            subject_kind=EqualityRecord.Subject.CONSULTATION_RESPONSE,
            subject_id__in=consultation.responses.values("pk"),
        ).values_list("subject_id", dim.equality_field)
        found = {sid: [str(v)] for sid, v in rows if v not in (None, "")}
    else:
        q = dim.question
        answers = Answer.objects.filter(question=q)
        if q.kind in scales.ONE_CHOICE_KINDS:
            found = {r: [c] for r, c in answers.exclude(choice="").values_list("response_id", "choice")}
        elif q.kind == Kind.RATING:
            found = {r: [str(n)] for r, n in answers.filter(number__isnull=False).values_list("response_id", "number")}
        else:
            found = {r: list(dict.fromkeys(v)) for r, v in answers.values_list("response_id", "value") if v}
    known = {key for key, _ in dim.options}
    return {rid: [k for k in found.get(rid, []) if k in known] or [NOT_ANSWERED] for rid in ids}


@dataclasses.dataclass
class CrossTab:
    rows: Dimension
    columns: Dimension
    table: suppression.Table
    threshold: int

    def row_labels(self):
        return [label for _, label in self.rows.options]

    def column_labels(self):
        return [label for _, label in self.columns.options]


def crosstab(consultation, rows: Dimension, columns: Dimension) -> CrossTab:
    """People counted by their answer to `rows` and their answer (or characteristic) in `columns`.
    The margins count people, so a "choose several" dimension's cells may add up to more."""
    threshold = consultation.suppression_threshold
    row_of = _memberships(consultation, rows)
    col_of = _memberships(consultation, columns)
    r_index = {k: i for i, (k, _) in enumerate(rows.options)}
    c_index = {k: i for i, (k, _) in enumerate(columns.options)}
    cells = [[0] * len(columns.options) for _ in rows.options]
    row_totals = [0] * len(rows.options)
    column_totals = [0] * len(columns.options)
    for rid, row_keys in row_of.items():
        col_keys = col_of.get(rid, [NOT_ANSWERED])
        for rk in row_keys:
            row_totals[r_index[rk]] += 1
            for ck in col_keys:
                cells[r_index[rk]][c_index[ck]] += 1
        for ck in col_keys:
            column_totals[c_index[ck]] += 1
    # Where a person may fall in several columns, a row's cells add up to more than its total (and
    # the same for columns): those margins are given, and make no secondary sums.
    table = suppression.suppress_table(
        cells,
        threshold,
        row_totals=row_totals if columns.several else None,
        column_totals=column_totals if rows.several else None,
        total=len(row_of) if rows.several or columns.several else None,
    )
    return CrossTab(rows, columns, table, threshold)
