"""Decisions: list, export, detail page, forms, screening for the duty to involve, delete and timeline."""

from django.shortcuts import render
from django.urls import reverse

from involve.core.pages import (
    ListPage,
    confirm_delete,
    form_view,
    list_export,
    list_page,
    posted,
)
from involve.organisations.permissions import Action

from .. import exports, selectors, services
from ..access import get_decision_for_user
from ..forms import DecisionFilterForm, DecisionForm, ScreeningForm
from ..models import Decision, Evidence

DECISION_SORTS = {
    "title": ["title"],
    "organisation": ["organisation__name"],
    "programme": ["programme__name"],
    "date": ["decision_on"],
    "status": ["status_rank"],
}
DECISION_COLUMNS = [
    ("Decision", "title"),
    ("Organisation", "organisation"),
    ("Programme", "programme"),
    ("Decision date", "date"),
    ("Status", "status"),
    ("Warnings", None),
]


DECISIONS = ListPage(
    template="engagement/decision_list.html",
    section="decisions",
    filter_form=DecisionFilterForm,
    select=selectors.decision_list,
    sorts=DECISION_SORTS,
    default_sort="-date",
    columns=DECISION_COLUMNS,
    export_url="engagement:decision_export",
    export_rows=exports.decision_rows,
    export_name="decisions",
    export_title="Decisions",
)


def decision_list(request):
    request.access.require(Action.VIEW)
    return list_page(request, DECISIONS, can_add=request.access.can(Action.EDIT))


def decision_export(request, fmt):
    request.access.require(Action.VIEW)
    return list_export(request, DECISIONS, fmt)


def decision_detail(request, pk):
    access = request.access
    decision = get_decision_for_user(access, pk)
    activities = decision.activities.select_related("organisation", "programme").order_by("starts_on", "pk")
    return render(
        request,
        "engagement/decision_detail.html",
        {
            "section": "decisions",
            "decision": decision,
            "activities": activities,
            "duties": decision.duties.all(),
            "affected": decision.affected_organisations.order_by("name"),
            "shared_with_you": not access.scope(Decision.objects.filter(pk=decision.pk)).exists(),
            "plan_audiences": decision.plan_audiences.all(),
            "evidence": Evidence.objects.filter(decision=decision).select_related("created_by"),
            "evidence_owner": decision,
            "evidence_owner_kind": "decision",
            "can_edit": access.can_change(decision.organisation_id, Action.EDIT),
            "can_manage": access.can_change(decision.organisation_id, Action.MANAGE),
        },
    )


def decision_add(request):
    access = request.access
    access.require(Action.EDIT)
    form = DecisionForm(posted(request), organisation=access.organisation)
    return form_view(
        request,
        form,
        lambda: services.decision_create(
            by=request.user, organisation=access.organisation, **form.changes(), **form.m2m()
        ),
        success=lambda d: f"‘{d.title}’ has been added. Next, screen it for the duty to involve.",
        next_url=lambda d: reverse("engagement:decision_detail", args=[d.pk]),
        title="Add a decision or proposal",
        section="decisions",
        cancel_url=reverse("engagement:decision_list"),
    )


def decision_edit(request, pk):
    decision = get_decision_for_user(request.access, pk, action=Action.EDIT)
    form = DecisionForm(posted(request), instance=decision, organisation=decision.organisation)
    return form_view(
        request,
        form,
        lambda: services.decision_update(
            by=request.user, decision=decision, revision=form.revision, **form.changes(), **form.m2m()
        ),
        success="The decision has been saved.",
        next_url=lambda d: reverse("engagement:decision_detail", args=[d.pk]),
        title="Change the decision",
        caption=decision.title,
        section="decisions",
        cancel_url=reverse("engagement:decision_detail", args=[decision.pk]),
    )


def decision_screen(request, pk):
    decision = get_decision_for_user(request.access, pk, action=Action.MANAGE)
    form = ScreeningForm(posted(request), instance=decision)

    def save():
        assessment = form.assessment()
        duties, audiences = assessment.pop("duties"), assessment.pop("plan_audiences")
        return services.decision_screen(
            by=request.user,
            decision=decision,
            duties=duties,
            plan_audiences=audiences,
            revision=form.revision,
            **assessment,
        )

    return form_view(
        request,
        form,
        save,
        success="The screening for the duty to involve has been saved.",
        next_url=lambda d: reverse("engagement:decision_detail", args=[d.pk]),
        title="Screen for the duty to involve",
        caption=decision.title,
        section="decisions",
        cancel_url=reverse("engagement:decision_detail", args=[decision.pk]),
        intro=(
            "Decide whether the decision would affect how services are delivered or the range of services. "
            "If it would, people who use the services, their carers and representatives must be involved."
        ),
        template="engagement/screen.html",
    )


def decision_delete(request, pk):
    decision = get_decision_for_user(request.access, pk, action=Action.MANAGE)
    return confirm_delete(
        request,
        obj=decision,
        section="decisions",
        delete=lambda: services.decision_delete(by=request.user, decision=decision),
        title=f"Delete ‘{decision.title}’?",
        message="Its screening and involvement plan are deleted too. Linked activities stay, unlinked.",
        cancel_url=reverse("engagement:decision_detail", args=[decision.pk]),
        done_url=reverse("engagement:decision_list"),
        done_message=f"‘{decision.title}’ has been deleted.",
    )


def decision_timeline(request, pk):
    decision = get_decision_for_user(request.access, pk)
    return render(
        request,
        "engagement/timeline.html",
        {
            "section": "decisions",
            "subject": decision,
            "subject_kind": "decision",
            "back_url": reverse("engagement:decision_detail", args=[decision.pk]),
            "entries": selectors.decision_timeline(decision),
        },
    )
