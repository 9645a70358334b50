"""Reads for the organisation pages. Each takes the access scope, so no list can forget tenancy."""

from django.db.models import Q

from .models import Membership, Organisation, Role


def organisation_list(*, access, query="", kind=""):
    """The organisations `access` may read (theirs and those below), by search and type, in tree order."""
    organisations = access.readable_organisations.select_related("parent")
    if query:
        organisations = organisations.filter(Q(name__icontains=query) | Q(ods_code__iexact=query))
    if kind in Organisation.Kind.values:
        organisations = organisations.filter(kind=kind)
    return organisations.order_by("path")


def member_list(*, access, query="", role=""):
    """The people of the person's own organisation, by search and role, by email address."""
    if access.organisation is None:
        return Membership.objects.none()
    memberships = Membership.objects.filter(organisation=access.organisation).select_related("user")
    if query:
        memberships = memberships.filter(
            Q(user__email__icontains=query) | Q(user__first_name__icontains=query) | Q(user__last_name__icontains=query)
        )
    if role in Role.values:
        memberships = memberships.filter(role=role)
    return memberships.order_by("user__email")
