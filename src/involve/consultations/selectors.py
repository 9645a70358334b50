"""Reads for the staff pages of consultations: the list, a consultation's questionnaire in order with
its conditions in words, its responses, and one response's answers against its questions.

Every list selector takes the access scope, so no list can forget tenancy.
"""

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from . import scales
from .models import Answer, Consultation, Question, Response, Section
from .services import code_label, ordered_questions


def consultation_list(*, access, filters=None, ordering=("-opens_at", "pk")):
    f = filters or {}
    rows = access.scope(Consultation.objects.all()).select_related("organisation", "activity")
    n_responses = (
        Response.objects.filter(consultation=OuterRef("pk"))
        .order_by()
        .values("consultation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = rows.annotate(n_responses=Coalesce(Subquery(n_responses, output_field=IntegerField()), 0))
    if query := f.get("q"):
        rows = rows.filter(Q(title__icontains=query) | Q(summary__icontains=query) | Q(slug__icontains=query))
    for name in ("organisation", "state", "kind"):
        if value := f.get(name):
            rows = rows.filter(**{name: value})
    return rows.order_by(*ordering)


def responses_by_channel(consultation):
    """[(channel label, count)] for the channels that have responses, and the total."""
    counts = dict(
        Response.objects.filter(consultation=consultation).order_by().values_list("channel").annotate(n=Count("pk"))
    )
    rows = [(label, counts[value]) for value, label in Response.Channel.choices if counts.get(value)]
    return rows, sum(counts.values())


def response_list(*, consultation, filters=None, ordering=("-submitted_at", "pk")):
    f = filters or {}
    rows = Response.objects.filter(consultation=consultation)
    if query := f.get("q"):
        rows = rows.filter(Exists(Answer.objects.filter(response=OuterRef("pk"), text__icontains=query)))
    if channel := f.get("channel"):
        rows = rows.filter(channel=channel)
    if date_from := f.get("date_from"):
        rows = rows.filter(submitted_at__date__gte=date_from)
    if date_to := f.get("date_to"):
        rows = rows.filter(submitted_at__date__lte=date_to)
    n_answers = Answer.objects.filter(response=OuterRef("pk")).order_by().values("response").annotate(n=Count("pk"))
    rows = rows.annotate(n_answers=Coalesce(Subquery(n_answers.values("n"), output_field=IntegerField()), 0))
    return rows.order_by(*ordering)


def _or(words):
    words = [f"‘{w}’" for w in words]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def condition_words(item):
    """ "Shown only if ‘Q2’ is ‘Yes’ or ‘No’" for a question or section with a condition, else ""."""
    question = item.condition_question
    if question is None:
        return ""
    labels = question.option_labels
    return f"Shown only if ‘{code_label(question)}’ is {_or(labels.get(v, v) for v in item.condition_values)}"


def questionnaire(consultation):
    """[(section or None, [questions])] in the order people answer them, with the conditions
    loaded (question.condition_question) for condition_words()."""
    questions = ordered_questions(consultation)
    by_pk = {q.pk: q for q in questions}
    for q in questions:
        if q.condition_question_id:
            q.condition_question = by_pk[q.condition_question_id]
    sections = list(consultation.sections.order_by("position", "pk"))
    for s in sections:
        if s.condition_question_id:
            s.condition_question = by_pk[s.condition_question_id]
    groups = [(None, [q for q in questions if q.section_id is None])]
    groups += [(s, [q for q in questions if q.section_id == s.pk]) for s in sections]
    return [(s, qs) for s, qs in groups if s is not None or qs]


def _chosen(answer):
    """The option keys an answer chose (for conditions)."""
    if answer is None:
        return set()
    if answer.choice:
        return {answer.choice}
    if isinstance(answer.value, list):
        return {str(v) for v in answer.value}
    return set()


def _shown(item, answers, shown):
    cq = item.condition_question_id
    if cq is None:
        return True
    return cq in shown and bool(_chosen(answers.get(cq)) & set(item.condition_values))


def answer_text(question, answer):
    """An answer as words: the labels of chosen options, "4 out of 5", a ranking in order."""
    if answer is None:
        return None
    labels = question.option_labels
    kind = question.kind
    if kind in scales.TEXT_KINDS:
        return answer.text or None
    if kind in scales.ONE_CHOICE_KINDS:
        return labels.get(answer.choice, answer.choice) or None
    if kind == Question.Kind.RATING:
        return None if answer.number is None else f"{answer.number} out of {question.rating_max}"
    if kind == Question.Kind.MULTIPLE_CHOICE:
        return "; ".join(labels.get(str(v), str(v)) for v in answer.value or []) or None
    if kind == Question.Kind.RANKING:
        return "; ".join(f"{i}. {labels.get(str(v), str(v))}" for i, v in enumerate(answer.value or [], 1)) or None
    if kind == Question.Kind.GRID:
        rows = {s["key"]: s["label"] for s in question.statements}
        value = answer.value if isinstance(answer.value, dict) else {}
        return "; ".join(f"{rows.get(k, k)}: {labels.get(str(v), str(v))}" for k, v in value.items()) or None
    return answer.text or answer.choice or None


def response_answers(response):
    """[(section or None, [(question, words or None, asked)])] for one response, in questionnaire
    order: `asked` is False where a condition hid the question (or its section) from the person."""
    consultation = response.consultation
    answers = {a.question_id: a for a in Answer.objects.filter(response=response)}
    questions = ordered_questions(consultation)
    sections = {s.pk: s for s in Section.objects.filter(consultation=consultation)}
    shown = set()
    rows = []
    for q in questions:
        section = sections.get(q.section_id)
        asked = _shown(q, answers, shown) and (section is None or _shown(section, answers, shown))
        if asked:
            shown.add(q.pk)
        words = answer_text(q, answers.get(q.pk))
        # An answer stored for a hidden question (an import, an old version) is still shown.
        rows.append((section, q, words, asked or words is not None))
    groups = []
    for section, q, words, asked in rows:
        if not groups or groups[-1][0] != section:
            groups.append((section, []))
        groups[-1][1].append((q, words, asked))
    return groups
