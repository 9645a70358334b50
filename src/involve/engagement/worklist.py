"""Reads for the home page: what a person should act on next, and how the organisations below them are doing.

Every function takes the person's `access` as a required keyword, so tenancy cannot be forgotten: the
work lists are the records of the person's own organisation that they may change (read through
`access.scope`, then narrowed to their organisation), and the summary of the organisations below is
a GROUP BY over `access.scope(Decision.objects…)`.
"""

import dataclasses
import datetime
from urllib.parse import urlencode

from django.db.models import Count, F, Q
from django.urls import reverse

from involve.core import dates
from involve.organisations.permissions import Action

from . import selectors
from .models import Activity, Decision, ImprovementObjective, Milestone

# Objectives and milestones due this close (or overdue) are on the list.
DUE_WINDOW_DAYS = 30
# Items shown in each section; the count says how many there are in all.
ITEMS_PER_SECTION = 8


def _today(today=None):
    return today or dates.today()


def _own(queryset, access):
    """The records of the person's own organisation, read through the tenancy rule."""
    return access.scope(queryset).filter(organisation_id=access.organisation.pk)


def activities_needing_feedback(*, access):
    """The organisation's activities that are done with no feedback to participants recorded."""
    return _own(Activity.objects.filter(state=Activity.State.DONE, feedback_given_on__isnull=True), access).order_by(
        "starts_on", "title", "pk"
    )


@dataclasses.dataclass
class Item:
    title: str
    url: str
    detail: str = ""
    overdue: bool = False


@dataclasses.dataclass
class Section:
    code: str
    heading: str
    count: int
    items: list[Item]
    empty: str  # said when there is nothing to do
    full_list_url: str | None = None
    full_list_text: str = ""
    note: str = ""


def _list_url(name, **params):
    return f"{reverse(name)}?{urlencode(params)}"


def _date(value):
    return f"{value:%-d %B %Y}" if value else "no date"


def _due(value, today):
    if value < today:
        return f"Overdue since {_date(value)}"
    if value == today:
        return "Due today"
    return f"Due {_date(value)}"


def _decision_date(decision):
    if decision.actual_date:
        return f"Decision taken {_date(decision.actual_date)}"
    return f"Decision planned {_date(decision.planned_date)}"


def _section(code, heading, queryset, to_item, empty, **extra):
    # Two queries per section, whatever the number of records: the count and the first few.
    count = queryset.count()
    items = [to_item(obj) for obj in queryset[:ITEMS_PER_SECTION]] if count else []
    return Section(code, heading, count, items, empty, **extra)


def can_work_here(*, access) -> bool:
    """May this person change records in their own organisation (administrator, engagement lead, contributor)?"""
    return access.organisation is not None and access.can_change(access.organisation.pk, Action.EDIT)


def decisions_to_screen(*, access):
    return _own(Decision.objects.filter(duty_status=Decision.DutyStatus.NOT_SCREENED), access).order_by(
        "planned_date", "title", "pk"
    )


def decisions_without_evidence(*, access, today=None):
    decisions = selectors.with_warnings(_own(Decision.objects.all(), access), today=_today(today))
    return decisions.filter(warn_no_evidence=True).order_by("decision_on", "title", "pk")


def objectives_due(*, access, today=None):
    today = _today(today)
    return (
        _own(ImprovementObjective.objects.select_related("programme"), access)
        .filter(target_date__lte=today + datetime.timedelta(days=DUE_WINDOW_DAYS))
        .exclude(status__in=[ImprovementObjective.Status.ACHIEVED, ImprovementObjective.Status.STOPPED])
        .order_by("target_date", "title", "pk")
    )


def milestones_due(*, access, today=None):
    today = _today(today)
    return (
        _own(Milestone.objects.select_related("objective__programme"), access)
        .filter(due_date__lte=today + datetime.timedelta(days=DUE_WINDOW_DAYS), done_date__isnull=True)
        .order_by("due_date", "title", "pk")
    )


def decisions_affecting(*, access, limit=10):
    """Other organisations' decisions that name this one among those they affect (newest first), for
    everyone in it, whatever their role: they may read them, not change them."""
    if access.organisation is None:
        return Decision.objects.none()
    return (
        selectors.with_warnings(
            Decision.objects.filter(affected_organisations=access.organisation).select_related("organisation")
        )
        .exclude(organisation=access.organisation)
        .order_by(F("decision_on").desc(nulls_last=True), "title", "pk")[:limit]
    )


def worklist(*, access, today=None) -> list[Section]:
    """The sections of the home page's work list; empty for someone who may not change records here."""
    if not can_work_here(access=access):
        return []
    today = _today(today)
    own = access.organisation.pk

    def decision_item(detail):
        return lambda d: Item(d.title, reverse("engagement:decision_detail", args=[d.pk]), detail(d))

    def programme_url(programme_id):
        return reverse("engagement:programme_detail", args=[programme_id])

    return [
        _section(
            "to_screen",
            "Decisions waiting for screening",
            decisions_to_screen(access=access),
            decision_item(lambda d: f"Decision planned {_date(d.planned_date)}" if d.planned_date else "No date yet"),
            "Nothing is waiting for screening.",
            full_list_url=_list_url("engagement:decision_list", organisation=own, duty_status="not_screened"),
            full_list_text="See every decision waiting for screening",
        ),
        _section(
            "no_evidence",
            "Decisions near their date with no involvement evidence",
            decisions_without_evidence(access=access, today=today),
            decision_item(_decision_date),
            "Every decision due within 60 days, or taken, has involvement evidence.",
            full_list_url=_list_url("engagement:decision_list", organisation=own, warning="no_evidence"),
            full_list_text="See every decision with no involvement evidence",
        ),
        _section(
            "no_feedback",
            "Activities done without feedback to participants",
            activities_needing_feedback(access=access),
            lambda a: Item(
                a.title,
                reverse("engagement:activity_feedback", args=[a.pk]),
                f"Ended {_date(a.ends_on or a.starts_on)}",
            ),
            "Every activity that is done has its feedback to participants recorded.",
            full_list_url=_list_url("engagement:activity_list", organisation=own, feedback="missing"),
            full_list_text="See every activity done without feedback",
        ),
        _section(
            "objectives_due",
            f"Improvement objectives due within {DUE_WINDOW_DAYS} days or overdue",
            objectives_due(access=access, today=today),
            lambda o: Item(
                o.title,
                programme_url(o.programme_id),
                f"{o.programme.name}: {_due(o.target_date, today)}, {o.get_status_display().lower()}",
                overdue=o.target_date < today,
            ),
            f"No improvement objective is due in the next {DUE_WINDOW_DAYS} days or overdue.",
        ),
        _section(
            "milestones_due",
            f"Milestones due within {DUE_WINDOW_DAYS} days or overdue",
            milestones_due(access=access, today=today),
            lambda m: Item(
                m.title,
                programme_url(m.objective.programme_id),
                f"{m.objective.programme.name}: {_due(m.due_date, today)}",
                overdue=m.due_date < today,
            ),
            f"No milestone is due in the next {DUE_WINDOW_DAYS} days or overdue.",
        ),
    ]


def has_organisations_below(*, access) -> bool:
    """Is this person's organisation a region, the country or any other organisation with others below it?"""
    if access.organisation is None:
        return False
    return access.readable_organisations.exclude(pk=access.organisation.pk).exists()


def organisations_below_summary(*, access, today=None):
    """One row per organisation in the person's readable tree that has decisions: counts of its decisions,
    screened, with any warning and with feedback given. One GROUP BY query (two when paginated), whatever
    the number of organisations. Rows are dicts with organisation_id, organisation__name and the counts."""
    decisions = selectors.with_warnings(access.scope(Decision.objects.all()), today=_today(today))
    any_warning = Q()
    for warning in selectors.WARNINGS:
        any_warning |= Q(**{f"warn_{warning.code}": True})
    return (
        decisions.order_by()
        .values("organisation_id", "organisation__name")
        .annotate(
            n_decisions=Count("pk"),
            n_screened=Count("pk", filter=~Q(duty_status=Decision.DutyStatus.NOT_SCREENED)),
            n_warnings=Count("pk", filter=any_warning),
            n_feedback=Count("pk", filter=Q(duty_status=Decision.DutyStatus.FEEDBACK_GIVEN)),
        )
        .order_by("organisation__name", "organisation_id")
    )


def summary_links(row) -> dict[str, str]:
    """Links from a summary row to the decision list filtered by that organisation."""
    org = row["organisation_id"]
    return {
        "decisions": _list_url("engagement:decision_list", organisation=org),
        "not_screened": _list_url("engagement:decision_list", organisation=org, duty_status="not_screened"),
        "warnings": _list_url("engagement:decision_list", organisation=org, warning="any"),
        "feedback": _list_url("engagement:decision_list", organisation=org, duty_status="feedback_given"),
    }
