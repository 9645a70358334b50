from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse

from involve.core.pages import INVALID, form_view, posted
from involve.core.pagination import paginate

from . import selectors, services
from .access import SESSION_KEY, get_membership_for_user, get_organisation_for_user
from .forms import InviteForm, MembershipForm, OrganisationForm, SuccessionForm, SwitchForm, changes
from .models import Organisation, Role, Succession
from .permissions import Action


def _search(request):
    # PostgreSQL refuses a NUL character in any text it is sent, so a search with one would be a 500.
    return request.GET.get("q", "").replace("\x00", "").strip()[:200]


def organisation_list(request):
    access = request.access
    access.require(Action.VIEW)
    query, kind = _search(request), request.GET.get("kind", "")
    page = paginate(request, selectors.organisation_list(access=access, query=query, kind=kind))
    return render(
        request,
        "organisations/list.html",
        {
            "section": "organisations",
            "page": page,
            "query": query,
            "kind": kind,
            "kinds": Organisation.Kind.choices,
        },
    )


def organisation_detail(request, pk):
    access = request.access
    organisation = get_organisation_for_user(access, pk)
    readable = access.readable_organisations
    return render(
        request,
        "organisations/detail.html",
        {
            "section": "organisations",
            "organisation": organisation,
            "parent_readable": organisation.parent_id and readable.filter(pk=organisation.parent_id).exists(),
            "children": readable.filter(parent=organisation).annotate(n_members=Count("memberships")),
            "predecessors": Succession.objects.filter(successor=organisation).select_related("predecessor"),
            "successors": Succession.objects.filter(predecessor=organisation).select_related("successor"),
            "can_change": access.can_change(organisation.pk, Action.MANAGE_MEMBERS),
        },
    )


def organisation_add_child(request, pk):
    access = request.access
    parent = get_organisation_for_user(access, pk, action=Action.MANAGE_MEMBERS)
    form = OrganisationForm(posted(request))
    return form_view(
        request,
        form,
        lambda: services.organisation_create(by=request.user, parent=parent, **changes(form)),
        success=lambda child: f"{child.name} has been added below {parent.name}.",
        next_url=lambda child: reverse("organisations:detail", args=[child.pk]),
        title=f"Add an organisation below {parent.name}",
        section="organisations",
        cancel_url=reverse("organisations:detail", args=[parent.pk]),
    )


def organisation_edit(request, pk):
    access = request.access
    organisation = get_organisation_for_user(access, pk, action=Action.MANAGE_MEMBERS)
    initial = {f: getattr(organisation, f) for f in services.ORGANISATION_EDIT_FIELDS + ["revision"]}
    form = OrganisationForm(posted(request), initial=initial)
    return form_view(
        request,
        form,
        lambda: services.organisation_update(
            by=request.user, organisation=organisation, revision=form.cleaned_data["revision"], **changes(form)
        ),
        success="The organisation's details have been saved.",
        next_url=lambda org: reverse("organisations:detail", args=[org.pk]),
        title=f"Change {organisation.name}",
        section="organisations",
        cancel_url=reverse("organisations:detail", args=[organisation.pk]),
    )


def succession_add(request):
    access = request.access
    access.require(Action.MANAGE_MEMBERS)
    form = SuccessionForm(posted(request), organisations=access.readable_organisations)
    return form_view(
        request,
        form,
        lambda: services.succession_record(by=request.user, **form.cleaned_data),
        success="The succession has been recorded.",
        next_url=lambda succession: reverse("organisations:detail", args=[succession.successor_id]),
        title="Record a merger or succession",
        section="organisations",
        cancel_url=reverse("organisations:list"),
        intro=(
            "When one organisation's work passes to another (for example clinical commissioning groups into an "
            "integrated care board on 1 July 2022), reports roll the predecessor's records into the successor. "
            "For a merger, record one succession for each predecessor."
        ),
    )


def switch(request):
    access = request.access
    if request.method == "POST":
        form = SwitchForm(request.POST)
        if form.is_valid():
            chosen = next(
                (m for m in access.memberships if m.organisation_id == form.cleaned_data["organisation"]), None
            )
            if chosen is not None:
                request.session[SESSION_KEY] = chosen.organisation_id
                messages.success(request, f"You are now working in {chosen.organisation.name}.")
                return redirect("home")
        messages.error(request, "Choose one of your organisations.")
    return render(request, "organisations/switch.html", {"memberships": access.memberships})


def member_list(request):
    access = request.access
    access.require(Action.MANAGE_MEMBERS)
    query, role = _search(request), request.GET.get("role", "")
    page = paginate(request, selectors.member_list(access=access, query=query, role=role))
    return render(
        request,
        "organisations/members.html",
        {
            "section": "members",
            "page": page,
            "query": query,
            "role": role,
            "roles": Role.choices,
        },
    )


def member_invite(request):
    access = request.access
    access.require(Action.MANAGE_MEMBERS)
    form = InviteForm(posted(request))
    return form_view(
        request,
        form,
        lambda: services.member_invite(
            by=request.user,
            links=services.invitation_links(request),
            organisation=access.organisation,
            **form.cleaned_data,
        ),
        success=lambda membership: f"An invitation has been sent to {membership.user.email}.",
        next_url=lambda membership: reverse("organisations:members"),
        title=f"Invite someone to {access.organisation.name}",
        section="members",
        cancel_url=reverse("organisations:members"),
        intro="They will get an email. Someone new to Involve gets a link to set their password.",
        submit="Send invitation",
    )


def member_edit(request, pk):
    membership = get_membership_for_user(request.access, pk, action=Action.MANAGE_MEMBERS)
    form = MembershipForm(
        posted(request),
        initial={
            "role": membership.role,
            "equality_data_access": membership.equality_data_access,
            "revision": membership.revision,
        },
    )
    return form_view(
        request,
        form,
        lambda: services.membership_update(
            by=request.user, membership=membership, revision=form.cleaned_data["revision"], **changes(form)
        ),
        success=f"{membership.user.display_name}'s role has been changed.",
        next_url=lambda m: reverse("organisations:members"),
        title=f"Change {membership.user.display_name}'s role",
        caption=membership.user.email,
        section="members",
        cancel_url=reverse("organisations:members"),
    )


def member_remove(request, pk):
    membership = get_membership_for_user(request.access, pk, action=Action.MANAGE_MEMBERS)
    error = None
    if request.method == "POST":
        try:
            services.membership_remove(by=request.user, membership=membership)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            messages.success(
                request, f"{membership.user.display_name} has been removed from {membership.organisation.name}."
            )
            return redirect("organisations:members")
    return render(
        request,
        "organisations/member_remove.html",
        {"section": "members", "membership": membership, "error": error},
        status=INVALID if error else 200,
    )
