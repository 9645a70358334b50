"""Programmes with their improvement objectives and milestones, the VCSE partner register with terms of
engagement, and the organisation's own audience tags."""

from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from involve.core.pages import (
    EXPORT_FORMATS,
    confirm_delete,
    export_response,
    form_page,
    posted,
    save_form,
    sort_columns,
    sort_order,
)
from involve.core.pagination import paginate
from involve.organisations.permissions import Action

from . import exports, selectors, services
from .access import (
    get_audience_tag_for_user,
    get_milestone_for_user,
    get_objective_for_user,
    get_partner_for_user,
    get_programme_for_user,
    get_terms_for_user,
)
from .forms import (
    AudienceTagForm,
    MilestoneForm,
    ObjectiveForm,
    PartnerFilterForm,
    PartnerForm,
    ProgrammeFilterForm,
    ProgrammeForm,
    TermsForm,
)
from .models import Activity, AudienceTag, Decision, ImprovementObjective, Milestone, Programme, VCSEPartner
from .views import export_links


def _save_form(request, form, save, *, success, redirect_to):
    """core.pages.save_form, for views that know where to go next before saving."""
    return save_form(
        request,
        form,
        save,
        success=success,
        next_url=lambda obj: redirect_to() if callable(redirect_to) else redirect_to,
    )


# Programmes

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


def _filtered_programmes(request):
    access = request.access
    access.require(Action.VIEW)
    form = ProgrammeFilterForm(request.GET, access=access)
    programmes = selectors.programme_list(access.scope(Programme.objects.all()))
    if query := form.value("q"):
        programmes = programmes.filter(Q(name__icontains=query) | Q(description__icontains=query))
    if organisation := form.value("organisation"):
        programmes = programmes.filter(organisation=organisation)
    sort, ordering = sort_order(request, PROGRAMME_SORTS, "name")
    return form, programmes.order_by(*ordering), sort


def programme_list(request):
    form, programmes, sort = _filtered_programmes(request)
    objectives = Prefetch("objectives", queryset=ImprovementObjective.objects.order_by("target_date", "title"))
    page = paginate(request, programmes.prefetch_related(objectives))
    warning_counts = selectors.programme_warning_counts([p.pk for p in page.object_list])
    return render(
        request,
        "engagement/programme_list.html",
        {
            "section": "programmes",
            "form": form,
            "page": page,
            "warning_counts": warning_counts,
            "columns": sort_columns(request, PROGRAMME_COLUMNS, sort),
            "exports": export_links(request, "programme_export"),
            "can_add": request.access.can(Action.EDIT),
        },
    )


def programme_export(request, fmt):
    if fmt not in EXPORT_FORMATS:
        raise Http404
    _, programmes, _ = _filtered_programmes(request)
    header, rows = exports.programme_rows(programmes)
    return export_response(fmt, header, rows, "programmes", "Programmes")


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
    created = {}

    def save():
        created["programme"] = services.programme_create(
            by=request.user, organisation=access.organisation, **form.changes()
        )

    done = _save_form(
        request,
        form,
        save,
        success="The programme has been added.",
        redirect_to=lambda: reverse("engagement:programme_detail", args=[created["programme"].pk]),
    )
    return done or form_page(
        request,
        form,
        title="Add a programme",
        section="programmes",
        cancel_url=reverse("engagement:programme_list"),
    )


def programme_edit(request, pk):
    programme = get_programme_for_user(request.access, pk, action=Action.EDIT)
    form = ProgrammeForm(posted(request), instance=programme, organisation=programme.organisation)
    url = reverse("engagement:programme_detail", args=[programme.pk])
    done = _save_form(
        request,
        form,
        lambda: services.programme_update(
            by=request.user, programme=programme, revision=form.revision, **form.changes()
        ),
        success="The programme has been saved.",
        redirect_to=url,
    )
    return done or form_page(
        request,
        form,
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
    done = _save_form(
        request,
        form,
        lambda: services.objective_create(by=request.user, programme=programme, **form.changes()),
        success="The objective has been added.",
        redirect_to=url,
    )
    return done or form_page(
        request,
        form,
        title="Add an improvement objective",
        caption=programme.name,
        section="programmes",
        cancel_url=url,
    )


def objective_edit(request, pk):
    objective = get_objective_for_user(request.access, pk, action=Action.EDIT)
    form = ObjectiveForm(posted(request), instance=objective, organisation=objective.organisation)
    url = reverse("engagement:programme_detail", args=[objective.programme_id])
    done = _save_form(
        request,
        form,
        lambda: services.objective_update(
            by=request.user, objective=objective, revision=form.revision, **form.changes()
        ),
        success="The objective has been saved.",
        redirect_to=url,
    )
    return done or form_page(
        request,
        form,
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
    done = _save_form(
        request,
        form,
        lambda: services.milestone_create(by=request.user, objective=objective, **form.changes()),
        success="The milestone has been added.",
        redirect_to=url,
    )
    return done or form_page(
        request, form, title="Add a milestone", caption=objective.title, section="programmes", cancel_url=url
    )


def milestone_edit(request, pk):
    milestone = get_milestone_for_user(request.access, pk, action=Action.EDIT)
    form = MilestoneForm(posted(request), instance=milestone, organisation=milestone.organisation)
    url = reverse("engagement:programme_detail", args=[milestone.objective.programme_id])
    done = _save_form(
        request,
        form,
        lambda: services.milestone_update(
            by=request.user, milestone=milestone, revision=form.revision, **form.changes()
        ),
        success="The milestone has been saved.",
        redirect_to=url,
    )
    return done or form_page(
        request,
        form,
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


# VCSE partners and terms of engagement

PARTNER_SORTS = {
    "name": ["name"],
    "organisation": ["organisation__name"],
    "kind": ["kind"],
    "activities": ["n_activities"],
    "review": ["terms_review_on"],
}
PARTNER_COLUMNS = [
    ("Partner", "name"),
    ("Organisation", "organisation"),
    ("Type", "kind"),
    ("Activities", "activities"),
    ("Terms of engagement", None),
    ("Review due", "review"),
]


def _filtered_partners(request):
    access = request.access
    access.require(Action.VIEW)
    form = PartnerFilterForm(request.GET, access=access)
    partners = selectors.partner_list(access.scope(VCSEPartner.objects.all()))
    if query := form.value("q"):
        partners = partners.filter(Q(name__icontains=query) | Q(description__icontains=query))
    for name in ("organisation", "kind"):
        if value := form.value(name):
            partners = partners.filter(**{name: value})
    sort, ordering = sort_order(request, PARTNER_SORTS, "name")
    return form, partners.order_by(*ordering), sort


def partner_list(request):
    form, partners, sort = _filtered_partners(request)
    page = paginate(request, partners)
    for partner in page.object_list:
        partner.terms_state = selectors.partner_status(partner)
    return render(
        request,
        "engagement/partner_list.html",
        {
            "section": "partners",
            "form": form,
            "page": page,
            "columns": sort_columns(request, PARTNER_COLUMNS, sort),
            "exports": export_links(request, "partner_export"),
            "can_add": request.access.can(Action.EDIT),
        },
    )


def partner_export(request, fmt):
    if fmt not in EXPORT_FORMATS:
        raise Http404
    _, partners, _ = _filtered_partners(request)
    header, rows = exports.partner_rows(partners)
    return export_response(fmt, header, rows, "vcse-partners", "VCSE partners")


def partner_detail(request, pk):
    access = request.access
    partner = get_partner_for_user(access, pk)
    return render(
        request,
        "engagement/partner_detail.html",
        {
            "section": "partners",
            "partner": partner,
            "terms": partner.terms.all(),
            "activities": partner.activities.select_related("programme").order_by("-starts_on", "pk"),
            "can_edit": access.can_change(partner.organisation_id, Action.EDIT),
            "can_manage": access.can_change(partner.organisation_id, Action.MANAGE),
        },
    )


def partner_add(request):
    access = request.access
    access.require(Action.EDIT)
    form = PartnerForm(posted(request), organisation=access.organisation)
    created = {}

    def save():
        created["partner"] = services.partner_create(
            by=request.user, organisation=access.organisation, **form.changes()
        )

    done = _save_form(
        request,
        form,
        save,
        success="The partner has been added.",
        redirect_to=lambda: reverse("engagement:partner_detail", args=[created["partner"].pk]),
    )
    return done or form_page(
        request,
        form,
        title="Add a VCSE partner",
        section="partners",
        cancel_url=reverse("engagement:partner_list"),
    )


def partner_edit(request, pk):
    partner = get_partner_for_user(request.access, pk, action=Action.EDIT)
    form = PartnerForm(posted(request), instance=partner, organisation=partner.organisation)
    url = reverse("engagement:partner_detail", args=[partner.pk])
    done = _save_form(
        request,
        form,
        lambda: services.partner_update(by=request.user, partner=partner, revision=form.revision, **form.changes()),
        success="The partner has been saved.",
        redirect_to=url,
    )
    return done or form_page(
        request, form, title="Change the partner", caption=partner.name, section="partners", cancel_url=url
    )


def partner_delete(request, pk):
    partner = get_partner_for_user(request.access, pk, action=Action.MANAGE)
    return confirm_delete(
        request,
        obj=partner,
        section="partners",
        delete=lambda: services.partner_delete(by=request.user, partner=partner),
        title=f"Delete ‘{partner.name}’ from the register?",
        message="Their terms of engagement are deleted too.",
        cancel_url=reverse("engagement:partner_detail", args=[partner.pk]),
        done_url=reverse("engagement:partner_list"),
        done_message=f"‘{partner.name}’ has been deleted.",
    )


def terms_add(request, pk):
    partner = get_partner_for_user(request.access, pk, action=Action.EDIT)
    form = TermsForm(posted(request), organisation=partner.organisation, partner=partner)
    url = reverse("engagement:partner_detail", args=[partner.pk])
    done = _save_form(
        request,
        form,
        lambda: services.terms_create(by=request.user, partner=partner, **form.changes()),
        success="The terms of engagement have been added.",
        redirect_to=url,
    )
    return done or form_page(
        request,
        form,
        title="Add terms of engagement",
        caption=partner.name,
        section="partners",
        cancel_url=url,
    )


def terms_edit(request, pk):
    terms = get_terms_for_user(request.access, pk, action=Action.EDIT)
    form = TermsForm(posted(request), instance=terms, organisation=terms.organisation)
    url = reverse("engagement:partner_detail", args=[terms.partner_id])
    done = _save_form(
        request,
        form,
        lambda: services.terms_update(by=request.user, terms=terms, revision=form.revision, **form.changes()),
        success="The terms of engagement have been saved.",
        redirect_to=url,
    )
    return done or form_page(
        request,
        form,
        title="Change the terms of engagement",
        caption=terms.partner.name,
        section="partners",
        cancel_url=url,
    )


def terms_delete(request, pk):
    terms = get_terms_for_user(request.access, pk, action=Action.MANAGE)
    url = reverse("engagement:partner_detail", args=[terms.partner_id])
    return confirm_delete(
        request,
        obj=terms,
        section="partners",
        delete=lambda: services.terms_delete(by=request.user, terms=terms),
        title=f"Delete version {terms.version} of the terms with {terms.partner.name}?",
        message="This cannot be undone.",
        cancel_url=url,
        done_url=url,
        done_message="The terms of engagement have been deleted.",
    )


# Audience tags


def audience_list(request):
    access = request.access
    access.require(Action.VIEW)
    tags = AudienceTag.objects.filter(Q(organisation=None) | Q(organisation=access.organisation))
    return render(
        request,
        "engagement/audience_list.html",
        {
            "section": "activities",
            "national": [t for t in tags if t.organisation_id is None],
            "own": [t for t in tags if t.organisation_id is not None],
            "can_manage": access.can(Action.MANAGE),
        },
    )


def audience_add(request):
    access = request.access
    access.require(Action.MANAGE)
    form = AudienceTagForm(posted(request), organisation=access.organisation)
    url = reverse("engagement:audience_list")
    done = _save_form(
        request,
        form,
        lambda: services.audience_tag_create(by=request.user, organisation=access.organisation, **form.changes()),
        success="The audience has been added.",
        redirect_to=url,
    )
    return done or form_page(
        request,
        form,
        title="Add an audience",
        section="activities",
        cancel_url=url,
        intro="Audiences are the groups activities aim to reach. The national list includes "
        "the inclusion health groups; add groups that matter locally.",
    )


def audience_edit(request, pk):
    tag = get_audience_tag_for_user(request.access, pk, action=Action.MANAGE)
    form = AudienceTagForm(posted(request), instance=tag, organisation=tag.organisation)
    url = reverse("engagement:audience_list")
    done = _save_form(
        request,
        form,
        lambda: services.audience_tag_update(by=request.user, tag=tag, revision=form.revision, **form.changes()),
        success="The audience has been saved.",
        redirect_to=url,
    )
    return done or form_page(
        request, form, title="Change the audience", caption=tag.name, section="activities", cancel_url=url
    )
