from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render

from involve.core.pagination import paginate

from . import services
from .access import SESSION_KEY, get_membership_for_user, get_organisation_for_user
from .forms import InviteForm, MembershipForm, OrganisationForm, SuccessionForm, SwitchForm
from .models import Membership, Organisation, Role, Succession
from .permissions import Action


def _apply_errors(form, exc: ValidationError):
    # Service-level rules (last administrator, cycles) come back as the form's own errors.
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def organisation_list(request):
    access = request.access
    access.require(Action.VIEW)
    organisations = access.readable_organisations.select_related("parent")
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    if query:
        organisations = organisations.filter(Q(name__icontains=query) | Q(ods_code__iexact=query))
    if kind in Organisation.Kind.values:
        organisations = organisations.filter(kind=kind)
    page = paginate(request, organisations.order_by("path"))
    return render(request, "organisations/list.html", {
        "section": "organisations", "page": page, "query": query, "kind": kind, "kinds": Organisation.Kind.choices,
    })


def organisation_detail(request, pk):
    access = request.access
    organisation = get_organisation_for_user(access, pk)
    readable = access.readable_organisations
    return render(request, "organisations/detail.html", {
        "section": "organisations",
        "organisation": organisation,
        "parent_readable": organisation.parent_id and readable.filter(pk=organisation.parent_id).exists(),
        "children": readable.filter(parent=organisation).annotate(n_members=Count("memberships")),
        "predecessors": Succession.objects.filter(successor=organisation).select_related("predecessor"),
        "successors": Succession.objects.filter(predecessor=organisation).select_related("successor"),
        "can_change": access.can_change(organisation.pk, Action.MANAGE_MEMBERS),
    })


def organisation_add_child(request, pk):
    access = request.access
    parent = get_organisation_for_user(access, pk, action=Action.MANAGE_MEMBERS)
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            child = services.organisation_create(by=request.user, parent=parent, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"{child.name} has been added below {parent.name}.")
            return redirect("organisations:detail", pk=child.pk)
    return render(request, "organisations/form.html", {
        "section": "organisations", "form": form, "parent": parent,
        "title": f"Add an organisation below {parent.name}",
    })


def organisation_edit(request, pk):
    access = request.access
    organisation = get_organisation_for_user(access, pk, action=Action.MANAGE_MEMBERS)
    initial = {f: getattr(organisation, f) for f in ("name", "kind", "ods_code", "valid_from", "valid_to")}
    form = OrganisationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(by=request.user, organisation=organisation, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "The organisation's details have been saved.")
            return redirect("organisations:detail", pk=organisation.pk)
    return render(request, "organisations/form.html", {
        "section": "organisations", "form": form, "organisation": organisation,
        "title": f"Change {organisation.name}",
    })


def succession_add(request):
    access = request.access
    access.require(Action.MANAGE_MEMBERS)
    form = SuccessionForm(request.POST or None, organisations=access.readable_organisations)
    if request.method == "POST" and form.is_valid():
        try:
            services.succession_record(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "The succession has been recorded.")
            return redirect("organisations:detail", pk=form.cleaned_data["successor"].pk)
    return render(request, "organisations/succession_form.html", {"section": "organisations", "form": form})


def switch(request):
    access = request.access
    if request.method == "POST":
        form = SwitchForm(request.POST)
        if form.is_valid():
            chosen = next((m for m in access.memberships if m.organisation_id == form.cleaned_data["organisation"]),
                          None)
            if chosen is not None:
                request.session[SESSION_KEY] = chosen.organisation_id
                messages.success(request, f"You are now working in {chosen.organisation.name}.")
                return redirect("home")
        messages.error(request, "Choose one of your organisations.")
    return render(request, "organisations/switch.html", {"memberships": access.memberships})


def member_list(request):
    access = request.access
    access.require(Action.MANAGE_MEMBERS)
    memberships = Membership.objects.filter(organisation=access.organisation).select_related("user")
    query = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    if query:
        memberships = memberships.filter(
            Q(user__email__icontains=query) | Q(user__first_name__icontains=query) | Q(user__last_name__icontains=query)
        )
    if role in Role.values:
        memberships = memberships.filter(role=role)
    page = paginate(request, memberships.order_by("user__email"))
    return render(request, "organisations/members.html", {
        "section": "members", "page": page, "query": query, "role": role, "roles": Role.choices,
    })


def member_invite(request):
    access = request.access
    access.require(Action.MANAGE_MEMBERS)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_invite(by=request.user, request=request, organisation=access.organisation,
                                   **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"An invitation has been sent to {form.cleaned_data['email']}.")
            return redirect("organisations:members")
    return render(request, "organisations/invite.html", {"section": "members", "form": form})


def member_edit(request, pk):
    membership = get_membership_for_user(request.access, pk, action=Action.MANAGE_MEMBERS)
    form = MembershipForm(request.POST or None, initial={
        "role": membership.role, "equality_data_access": membership.equality_data_access})
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_update(by=request.user, membership=membership, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"{membership.user.display_name}'s role has been changed.")
            return redirect("organisations:members")
    return render(request, "organisations/member_edit.html", {
        "section": "members", "form": form, "membership": membership})


def member_remove(request, pk):
    membership = get_membership_for_user(request.access, pk, action=Action.MANAGE_MEMBERS)
    error = None
    if request.method == "POST":
        try:
            services.membership_remove(by=request.user, membership=membership)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            messages.success(request, f"{membership.user.display_name} has been removed from "
                                      f"{membership.organisation.name}.")
            return redirect("organisations:members")
    return render(request, "organisations/member_remove.html", {
        "section": "members", "membership": membership, "error": error}, status=400 if error else 200)
