"""The VCSE partner register with each partner's terms of engagement."""

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
from ..access import get_partner_for_user, get_terms_for_user
from ..forms import PartnerFilterForm, PartnerForm, TermsForm

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


def _partner_page(page):
    for partner in page.object_list:
        partner.terms_state = selectors.partner_status(partner)
    return {}


PARTNERS = ListPage(
    template="engagement/partner_list.html",
    section="partners",
    filter_form=PartnerFilterForm,
    select=selectors.partner_list,
    sorts=PARTNER_SORTS,
    default_sort="name",
    columns=PARTNER_COLUMNS,
    export_url="engagement:partner_export",
    export_rows=exports.partner_rows,
    export_name="vcse-partners",
    export_title="VCSE partners",
    on_page=_partner_page,
)


def partner_list(request):
    request.access.require(Action.VIEW)
    return list_page(request, PARTNERS, can_add=request.access.can(Action.EDIT))


def partner_export(request, fmt):
    request.access.require(Action.VIEW)
    return list_export(request, PARTNERS, fmt)


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
    return form_view(
        request,
        form,
        lambda: services.partner_create(by=request.user, organisation=access.organisation, **form.changes()),
        success="The partner has been added.",
        next_url=lambda partner: reverse("engagement:partner_detail", args=[partner.pk]),
        title="Add a VCSE partner",
        section="partners",
        cancel_url=reverse("engagement:partner_list"),
    )


def partner_edit(request, pk):
    partner = get_partner_for_user(request.access, pk, action=Action.EDIT)
    form = PartnerForm(posted(request), instance=partner, organisation=partner.organisation)
    url = reverse("engagement:partner_detail", args=[partner.pk])
    return form_view(
        request,
        form,
        lambda: services.partner_update(by=request.user, partner=partner, revision=form.revision, **form.changes()),
        success="The partner has been saved.",
        next_url=lambda obj: url,
        title="Change the partner",
        caption=partner.name,
        section="partners",
        cancel_url=url,
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
    return form_view(
        request,
        form,
        lambda: services.terms_create(by=request.user, partner=partner, **form.changes()),
        success="The terms of engagement have been added.",
        next_url=lambda obj: url,
        title="Add terms of engagement",
        caption=partner.name,
        section="partners",
        cancel_url=url,
    )


def terms_edit(request, pk):
    terms = get_terms_for_user(request.access, pk, action=Action.EDIT)
    form = TermsForm(posted(request), instance=terms, organisation=terms.organisation)
    url = reverse("engagement:partner_detail", args=[terms.partner_id])
    return form_view(
        request,
        form,
        lambda: services.terms_update(by=request.user, terms=terms, revision=form.revision, **form.changes()),
        success="The terms of engagement have been saved.",
        next_url=lambda obj: url,
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
