"""Reads for the engagement pages: the warnings on decisions, list annotations and timelines.

Warnings are computed in the list query itself (annotations and EXISTS subqueries), so a page of
fifty decisions costs the same number of queries as a page of one.
"""

import dataclasses
import datetime

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, NullIf
from django.urls import reverse
from django.utils import timezone

from involve.core import dates

from .models import (  # noqa: F401  (the warnings live with the Decision queryset; named here for the lists)
    LATE_EVIDENCE,
    NO_EVIDENCE,
    NO_FEEDBACK,
    NO_SCRUTINY,
    WARNING_WINDOW_DAYS,
    WARNINGS,
    WARNINGS_BY_CODE,
    Activity,
    Decision,
    DecisionWarning,
    Evidence,
    LadderLevel,
    Milestone,
    Programme,
    TermsOfEngagement,
    VCSEPartner,
)


def _today(today=None):
    return today or dates.today()


def involvement_facts(activity_model=Activity, evidence_model=Evidence):
    """How to work out Decision's stored involvement facts from activities and evidence: expressions for
    an UPDATE of decisions (services.refresh_involvement, and the migration that added them)."""
    links = activity_model.decisions.through.objects.filter(decision_id=OuterRef("pk")).order_by()
    own_evidence = evidence_model.objects.filter(decision_id=OuterRef("pk")).order_by()
    activity_evidence = evidence_model.objects.filter(activity__decisions=OuterRef("pk")).order_by()

    def aggregate(queryset, function, field):
        # An aggregate over the correlated rows without a GROUP BY, so one value per decision.
        return Subquery(queryset.annotate(v=Func(F(field), function=function)).values("v")[:1])

    def count(queryset):
        return Coalesce(aggregate(queryset, "COUNT", "pk"), 0)

    never = Value(datetime.date.min)
    latest = Greatest(
        Coalesce(aggregate(links, "MAX", "activity__starts_on"), never),
        Coalesce(aggregate(own_evidence, "MAX", "dated"), never),
        Coalesce(aggregate(activity_evidence, "MAX", "dated"), never),
    )
    return {
        "involvement_count": count(links) + count(own_evidence),
        "last_involvement_on": NullIf(latest, never),
        "activities_without_feedback": count(links.filter(activity__feedback_given_on__isnull=True)),
    }


def with_warnings(queryset, *, today=None):
    """Annotate decisions with decision_on and one boolean per warning (see DecisionQuerySet)."""
    return queryset.with_warnings(today=today)


def filter_warning(queryset, code):
    """Only annotated decisions carrying a warning: one of them by code, or any ("any")."""
    if code == "any":
        any_warning = Q()
        for warning in WARNINGS:
            any_warning |= Q(**{f"warn_{warning.code}": True})
        return queryset.filter(any_warning)
    if code in WARNINGS_BY_CODE:
        return queryset.filter(**{f"warn_{code}": True})
    return queryset


# Sort statuses in the order a decision moves through them, and ladder levels lowest first.
STATUS_RANK = Case(
    *[When(duty_status=status, then=Value(rank)) for rank, status in enumerate(Decision.DutyStatus.values)],
    output_field=IntegerField(),
)
LEVEL_RANK = Case(
    *[When(ladder_level=level, then=Value(rank)) for rank, level in enumerate(LadderLevel.values)],
    output_field=IntegerField(),
)


def _reached_or_partnered(filters, on_decisions=False):
    """Conditions for the audience-reached and partner filters, on activities or on the decisions
    they informed (as EXISTS, so a decision with several matching activities is listed once)."""
    conditions = Q()
    for name, through, column in (
        ("audience", Activity.audiences_reached.through, "audiencetag_id"),
        ("partner", Activity.partners.through, "vcsepartner_id"),
    ):
        if chosen := filters.get(name):
            rows = through.objects.order_by().filter(**{column: chosen.pk})
            own = {"activity__decisions": OuterRef("pk")} if on_decisions else {"activity_id": OuterRef("pk")}
            conditions &= Exists(rows.filter(**own))
    return conditions


def _partner_named(query, on_decisions):
    """Records linked to a partner whose name contains `query`, as `pk IN (subquery)`: PostgreSQL works
    the few matching ids out once (a hashed subplan) instead of probing partners for every row, which
    kept the national search within its target."""
    links = Activity.partners.through.objects.order_by().filter(vcsepartner__name__icontains=query)
    if on_decisions:
        informed = Activity.decisions.through.objects.order_by().filter(activity_id__in=links.values("activity_id"))
        return Q(pk__in=informed.values("decision_id"))
    return Q(pk__in=links.values("activity_id"))


def decision_list(*, access, filters=None, ordering=("-decision_on", "pk")):
    """The decisions `access` may read, with their warnings, filtered by the list's filters (cleaned
    values by name) and ordered. The only way views read a list of decisions, so none forgets tenancy."""
    f = filters or {}
    decisions = with_warnings(access.scope(Decision.objects.all()).select_related("organisation", "programme"))
    decisions = decisions.annotate(status_rank=STATUS_RANK)
    if query := f.get("q"):
        decisions = decisions.filter(
            Q(title__icontains=query)
            | Q(reference__icontains=query)
            | Q(decision_maker__icontains=query)
            | Q(summary__icontains=query)
            | _partner_named(query, on_decisions=True)
        )
    for name in ("organisation", "programme", "duty_status", "kind"):
        if value := f.get(name):
            decisions = decisions.filter(**{name: value})
    if warning := f.get("warning"):
        decisions = filter_warning(decisions, warning)
    if date_from := f.get("date_from"):
        decisions = decisions.filter(decision_on__gte=date_from)
    if date_to := f.get("date_to"):
        decisions = decisions.filter(decision_on__lte=date_to)
    decisions = decisions.filter(_reached_or_partnered(f, on_decisions=True))
    return decisions.order_by(*ordering)


def activity_list(*, access, filters=None, ordering=("-starts_on", "pk")):
    """The activities `access` may read, filtered and ordered, with the columns the list shows."""
    f = filters or {}
    activities = access.scope(Activity.objects.all()).select_related("organisation", "programme")
    activities = activities.annotate(
        level_rank=LEVEL_RANK,
        n_decisions=Subquery(
            Activity.decisions.through.objects.filter(activity_id=OuterRef("pk"))
            .order_by()
            .values("activity_id")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        # Once an activity is done, the people who took part should hear what happened next.
        feedback_due=Case(
            When(state=Activity.State.DONE, feedback_given_on__isnull=True, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )
    if query := f.get("q"):
        activities = activities.filter(
            Q(title__icontains=query)
            | Q(description__icontains=query)
            | Q(location__icontains=query)
            | Q(outputs__icontains=query)
            | _partner_named(query, on_decisions=False)
        )
    for name in ("organisation", "programme", "method", "ladder_level", "state"):
        if value := f.get(name):
            activities = activities.filter(**{name: value})
    feedback = f.get("feedback")
    if feedback == "given":
        activities = activities.filter(feedback_given_on__isnull=False)
    elif feedback == "missing":
        activities = activities.filter(state=Activity.State.DONE, feedback_given_on__isnull=True)
    if date_from := f.get("date_from"):
        activities = activities.filter(starts_on__gte=date_from)
    if date_to := f.get("date_to"):
        activities = activities.filter(starts_on__lte=date_to)
    activities = activities.filter(_reached_or_partnered(f))
    return activities.order_by(*ordering)


def _count(model, field):
    return Coalesce(
        Subquery(
            model.objects.filter(**{field: OuterRef("pk")})
            .order_by()
            .values(field)
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def programme_list(*, access, filters=None, ordering=("name", "pk")):
    """The programmes `access` may read, with their counts, filtered and ordered."""
    f = filters or {}
    programmes = access.scope(Programme.objects.all()).select_related("organisation")
    if query := f.get("q"):
        programmes = programmes.filter(Q(name__icontains=query) | Q(description__icontains=query))
    if organisation := f.get("organisation"):
        programmes = programmes.filter(organisation=organisation)
    return programmes.annotate(
        n_decisions=_count(Decision, "programme"),
        n_activities=_count(Activity, "programme"),
    ).order_by(*ordering)


def programme_warning_counts(programme_ids) -> dict[int, int]:
    """How many of each programme's decisions carry a warning: one query for a whole page."""
    rows = filter_warning(with_warnings(Decision.objects.filter(programme_id__in=programme_ids)), "any")
    counts = rows.order_by().values("programme_id").annotate(n=Count("pk"))
    return dict(counts.values_list("programme_id", "n"))


def partner_list(*, access, filters=None, ordering=("name", "pk")):
    """The partners `access` may read, with their activity count and latest terms, filtered and ordered."""
    f = filters or {}
    partners = access.scope(VCSEPartner.objects.all())
    if query := f.get("q"):
        partners = partners.filter(Q(name__icontains=query) | Q(description__icontains=query))
    for name in ("organisation", "kind"):
        if value := f.get(name):
            partners = partners.filter(**{name: value})
    latest = TermsOfEngagement.objects.filter(partner_id=OuterRef("pk")).order_by("-agreed_on", "-pk")
    through = Activity.partners.through
    return (
        partners.select_related("organisation")
        .annotate(
            n_activities=Coalesce(
                Subquery(
                    through.objects.filter(vcsepartner_id=OuterRef("pk"))
                    .order_by()
                    .values("vcsepartner_id")
                    .annotate(n=Count("pk"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
            terms_version=Subquery(latest.values("version")[:1]),
            terms_agreed_on=Subquery(latest.values("agreed_on")[:1]),
            terms_review_on=Subquery(latest.values("review_on")[:1]),
        )
        .order_by(*ordering)
    )


def partner_status(partner, today=None):
    """A short label for the state of a partner's latest terms of engagement (needs partner_list())."""
    today = _today(today)
    if not partner.terms_version:
        return "No terms agreed"
    if partner.terms_review_on and partner.terms_review_on < today:
        return "Review overdue"
    return None


def duties_for(organisation, on_date=None):
    """The legal duties that may apply to a decision of this organisation on this date."""
    from .models import LegalDuty

    on_date = on_date or timezone.localdate()
    ids = [d.pk for d in LegalDuty.objects.valid_on(on_date) if d.applies_to_kind(organisation.kind)]
    return LegalDuty.objects.filter(pk__in=ids)


@dataclasses.dataclass
class TimelineEntry:
    date: datetime.date | None
    kind: str
    title: str
    detail: str = ""
    url: str | None = None
    external: bool = False
    order: int = 0


def _sorted(entries):
    # Undated entries (a decision with no date yet) go last; same-day entries keep a sensible order.
    return sorted(entries, key=lambda e: (e.date is None, e.date or datetime.date.max, e.order, e.title))


def _activity_entries(activity):
    url = reverse("engagement:activity_detail", args=[activity.pk])
    detail = f"{activity.get_method_display()}, {activity.get_ladder_level_display().lower()}"
    if activity.ends_on and activity.ends_on != activity.starts_on:
        detail += f", until {activity.ends_on:%-d %B %Y}"
    entries = [TimelineEntry(activity.starts_on, "Activity", activity.title, detail, url, order=2)]
    if activity.feedback_given_on:
        entries.append(
            TimelineEntry(
                activity.feedback_given_on,
                "Feedback to participants",
                activity.title,
                activity.feedback_how,
                url,
                order=4,
            )
        )
    return entries


def _evidence_entry(evidence):
    return TimelineEntry(
        evidence.dated,
        "Evidence",
        evidence.title,
        "Link" if evidence.kind == Evidence.Kind.LINK else (evidence.original_name or "File"),
        evidence.url if evidence.kind == Evidence.Kind.LINK and evidence.url else None,
        external=evidence.kind == Evidence.Kind.LINK,
        order=3,
    )


def _decision_entries(decision):
    url = reverse("engagement:decision_detail", args=[decision.pk])
    maker = decision.decision_maker
    entries = []
    if decision.actual_date:
        entries.append(TimelineEntry(decision.actual_date, "Decision taken", decision.title, maker, url, order=5))
    if decision.planned_date and decision.planned_date != decision.actual_date:
        label = "Decision planned" if not decision.actual_date else "Decision originally planned"
        entries.append(TimelineEntry(decision.planned_date, label, decision.title, maker, url, order=5))
    if not decision.actual_date and not decision.planned_date:
        entries.append(TimelineEntry(None, "Decision (no date yet)", decision.title, maker, url, order=5))
    if decision.scrutiny_consulted_on:
        entries.append(
            TimelineEntry(
                decision.scrutiny_consulted_on,
                "Scrutiny committee consulted",
                decision.title,
                "",
                url,
                order=1,
            )
        )
    if decision.screened_at:
        entries.append(
            TimelineEntry(
                timezone.localdate(decision.screened_at),
                "Screened for the duty to involve",
                decision.title,
                decision.get_duty_status_display(),
                url,
                order=0,
            )
        )
    return entries


def decision_timeline(decision):
    activities = list(decision.activities.all())
    evidence = Evidence.objects.filter(Q(decision=decision) | Q(activity__in=activities)).distinct()
    entries = _decision_entries(decision)
    for activity in activities:
        entries += _activity_entries(activity)
    entries += [_evidence_entry(e) for e in evidence]
    return _sorted(entries)


def programme_timeline(programme):
    decisions = list(programme.decisions.all())
    activities = list(programme.activities.all())
    evidence = Evidence.objects.filter(Q(decision__in=decisions) | Q(activity__in=activities))
    entries = []
    for decision in decisions:
        entries += _decision_entries(decision)
    for activity in activities:
        entries += _activity_entries(activity)
    entries += [_evidence_entry(e) for e in evidence]
    objectives_url = reverse("engagement:programme_detail", args=[programme.pk])
    for milestone in Milestone.objects.filter(objective__programme=programme).select_related("objective"):
        entries.append(
            TimelineEntry(
                milestone.due_date,
                "Milestone due",
                milestone.title,
                milestone.objective.title,
                objectives_url,
                order=6,
            )
        )
        if milestone.done_date:
            entries.append(
                TimelineEntry(
                    milestone.done_date,
                    "Milestone done",
                    milestone.title,
                    milestone.objective.title,
                    objectives_url,
                    order=6,
                )
            )
    for objective in programme.objectives.all():
        if objective.target_date:
            entries.append(
                TimelineEntry(
                    objective.target_date,
                    "Objective target date",
                    objective.title,
                    objective.get_status_display(),
                    objectives_url,
                    order=7,
                )
            )
    return _sorted(entries)
