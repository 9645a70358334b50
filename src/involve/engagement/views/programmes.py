"""Programmes with their improvement objectives and milestones."""

from django.db.models import Prefetch, prefetch_related_objects
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
from ..access import get_milestone_for_user, get_objective_for_user, get_programme_for_user
from ..forms import MilestoneForm, ObjectiveForm, ProgrammeFilterForm, ProgrammeForm
from ..models import Activity, Decision, ImprovementObjective, Milestone

PROGRAMME_SORTS = {
    "name": ["name"],
    "organisation": ["organisation__name"],
    "decisions": ["n_decisions"],
    "activities": ["n_activities"],
}
PROGRAMME_COLUMNS = [
    ("Programme", "name"),
    ("Organisation", "organisation"),
    ("Improvement objectives", None),
    ("Decisions", "decisions"),
    ("Activities", "activities"),
    ("Warnings", None),
]


def _programme_page(page):
    # The objectives and the warning counts of the programmes shown: two queries whatever the page.
    objectives = Prefetch("objectives", queryset=ImprovementObjective.objects.order_by("target_date", "title"))
    prefetch_related_objects(page.object_list, objectives)
    return {"warning_counts": selectors.programme_warning_counts([p.pk for p in page.object_list])}


PROGRAMMES = ListPage(
    template="engagement/programme_list.html",
    section="programmes",
    filter_form=ProgrammeFilterForm,
    select=selectors.programme_list,
    sorts=PROGRAMME_SORTS,
    default_sort="name",
    columns=PROGRAMME_COLUMNS,
    export_url="engagement:programme_export",
    export_rows=exports.programme_rows,
    export_name="programmes",
    export_title="Programmes",
    on_page=_programme_page,
)


def programme_list(request):
    request.access.require(Action.VIEW)
    return list_page(request, PROGRAMMES, can_add=request.access.can(Action.EDIT))


def programme_export(request, fmt):
    request.access.require(Action.VIEW)
    return list_export(request, PROGRAMMES, fmt)


def programme_detail(request, pk):
    access = request.access
    programme = get_programme_for_user(access, pk)
    milestones = Prefetch("milestones", queryset=Milestone.objects.order_by("due_date", "pk"))
    objectives = programme.objectives.select_related("owner").prefetch_related(milestones)
    decisions = selectors.with_warnings(Decision.objects.filter(programme=programme)).order_by("-decision_on", "pk")
    return render(
        request,
        "engagement/programme_detail.html",
        {
            "section": "programmes",
            "programme": programme,
            "objectives": objectives,
            "decisions": decisions,
            "activities": Activity.objects.filter(programme=programme).order_by("-starts_on", "pk"),
            "can_edit": access.can_change(programme.organisation_id, Action.EDIT),
            "can_manage": access.can_change(programme.organisation_id, Action.MANAGE),
        },
    )


def programme_timeline(request, pk):
    programme = get_programme_for_user(request.access, pk)
    return render(
        request,
        "engagement/timeline.html",
        {
            "section": "programmes",
            "subject": programme,
            "subject_kind": "programme",
            "back_url": reverse("engagement:programme_detail", args=[programme.pk]),
            "entries": selectors.programme_timeline(programme),
        },
    )


def programme_add(request):
    access = request.access
    access.require(Action.EDIT)
    form = ProgrammeForm(posted(request), organisation=access.organisation)
    return form_view(
        request,
        form,
        lambda: services.programme_create(by=request.user, organisation=access.organisation, **form.changes()),
        success="The programme has been added.",
        next_url=lambda programme: reverse("engagement:programme_detail", args=[programme.pk]),
        title="Add a programme",
        section="programmes",
        cancel_url=reverse("engagement:programme_list"),
    )


def programme_edit(request, pk):
    programme = get_programme_for_user(request.access, pk, action=Action.EDIT)
    form = ProgrammeForm(posted(request), instance=programme, organisation=programme.organisation)
    url = reverse("engagement:programme_detail", args=[programme.pk])
    return form_view(
        request,
        form,
        lambda: services.programme_update(
            by=request.user, programme=programme, revision=form.revision, **form.changes()
        ),
        success="The programme has been saved.",
        next_url=lambda obj: url,
        title="Change the programme",
        caption=programme.name,
        section="programmes",
        cancel_url=url,
    )


def programme_delete(request, pk):
    programme = get_programme_for_user(request.access, pk, action=Action.MANAGE)
    return confirm_delete(
        request,
        obj=programme,
        section="programmes",
        delete=lambda: services.programme_delete(by=request.user, programme=programme),
        title=f"Delete the programme ‘{programme.name}’?",
        message="Its improvement objectives and milestones are deleted too.",
        cancel_url=reverse("engagement:programme_detail", args=[programme.pk]),
        done_url=reverse("engagement:programme_list"),
        done_message=f"‘{programme.name}’ has been deleted.",
    )


# Improvement objectives and milestones


def objective_add(request, pk):
    programme = get_programme_for_user(request.access, pk, action=Action.EDIT)
    form = ObjectiveForm(posted(request), organisation=programme.organisation, programme=programme)
    url = reverse("engagement:programme_detail", args=[programme.pk])
    return form_view(
        request,
        form,
        lambda: services.objective_create(by=request.user, programme=programme, **form.changes()),
        success="The objective has been added.",
        next_url=lambda obj: url,
        title="Add an improvement objective",
        caption=programme.name,
        section="programmes",
        cancel_url=url,
    )


def objective_edit(request, pk):
    objective = get_objective_for_user(request.access, pk, action=Action.EDIT)
    form = ObjectiveForm(posted(request), instance=objective, organisation=objective.organisation)
    url = reverse("engagement:programme_detail", args=[objective.programme_id])
    return form_view(
        request,
        form,
        lambda: services.objective_update(
            by=request.user, objective=objective, revision=form.revision, **form.changes()
        ),
        success="The objective has been saved.",
        next_url=lambda obj: url,
        title="Change the improvement objective",
        caption=objective.title,
        section="programmes",
        cancel_url=url,
    )


def objective_delete(request, pk):
    objective = get_objective_for_user(request.access, pk, action=Action.MANAGE)
    url = reverse("engagement:programme_detail", args=[objective.programme_id])
    return confirm_delete(
        request,
        obj=objective,
        section="programmes",
        delete=lambda: services.objective_delete(by=request.user, objective=objective),
        title=f"Delete the objective ‘{objective.title}’?",
        message="Its milestones are deleted too.",
        cancel_url=url,
        done_url=url,
        done_message=f"‘{objective.title}’ has been deleted.",
    )


def milestone_add(request, pk):
    objective = get_objective_for_user(request.access, pk, action=Action.EDIT)
    form = MilestoneForm(posted(request), organisation=objective.organisation, objective=objective)
    url = reverse("engagement:programme_detail", args=[objective.programme_id])
    return form_view(
        request,
        form,
        lambda: services.milestone_create(by=request.user, objective=objective, **form.changes()),
        success="The milestone has been added.",
        next_url=lambda obj: url,
        title="Add a milestone",
        caption=objective.title,
        section="programmes",
        cancel_url=url,
    )


def milestone_edit(request, pk):
    milestone = get_milestone_for_user(request.access, pk, action=Action.EDIT)
    form = MilestoneForm(posted(request), instance=milestone, organisation=milestone.organisation)
    url = reverse("engagement:programme_detail", args=[milestone.objective.programme_id])
    return form_view(
        request,
        form,
        lambda: services.milestone_update(
            by=request.user, milestone=milestone, revision=form.revision, **form.changes()
        ),
        success="The milestone has been saved.",
        next_url=lambda obj: url,
        title="Change the milestone",
        caption=milestone.objective.title,
        section="programmes",
        cancel_url=url,
    )


def milestone_delete(request, pk):
    milestone = get_milestone_for_user(request.access, pk, action=Action.MANAGE)
    url = reverse("engagement:programme_detail", args=[milestone.objective.programme_id])
    return confirm_delete(
        request,
        obj=milestone,
        section="programmes",
        delete=lambda: services.milestone_delete(by=request.user, milestone=milestone),
        title=f"Delete the milestone ‘{milestone.title}’?",
        message="This cannot be undone.",
        cancel_url=url,
        done_url=url,
        done_message=f"‘{milestone.title}’ has been deleted.",
    )
