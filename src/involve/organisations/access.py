"""Who may see and change what. Every view, export and download goes through here.

A signed-in person acts for one organisation at a time (their *active* organisation, switched
from the header). They may read records of that organisation and of every organisation below it;
they may change only records of the active organisation itself, and only if their role allows.
Anything else answers 404, so that another organisation's records are not even shown to exist.
"""

from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Membership, Organisation
from .permissions import Action, membership_allows

SESSION_KEY = "involve_organisation_id"


class Access:
    def __init__(self, user, membership: Membership | None):
        self.user = user
        self.membership = membership
        self.organisation: Organisation | None = membership.organisation if membership else None

    def __bool__(self):
        return self.membership is not None

    def can(self, action) -> bool:
        return membership_allows(self.membership, action)

    def require(self, action):
        if not self.can(action):
            raise PermissionDenied

    def scope(self, queryset, field="organisation"):
        """Only the rows this person may read: their organisation and those below it."""
        if self.organisation is None:
            return queryset.none()
        # A semi-join on the organisations' ids rather than a join: with a whole region or the country in
        # scope, PostgreSQL can then walk a list's sort index and stop at the end of the page.
        below = Organisation.objects.filter(path__startswith=self.organisation.path).values("pk")
        return queryset.filter(**{f"{field}__in": below})

    def can_change(self, organisation_id, action=Action.EDIT) -> bool:
        return self.organisation is not None and organisation_id == self.organisation.pk and self.can(action)

    @cached_property
    def readable_organisations(self):
        if self.organisation is None:
            return Organisation.objects.none()
        return Organisation.objects.subtree(self.organisation)

    @cached_property
    def memberships(self):
        if not self.user.is_authenticated:
            return []
        return list(Membership.objects.filter(user=self.user).select_related("organisation"))


def access_for(request) -> Access:
    user = request.user
    if not user.is_authenticated:
        return Access(user, None)
    memberships = Membership.objects.filter(user=user).select_related("organisation")
    chosen = request.session.get(SESSION_KEY)
    membership = None
    if chosen is not None:
        membership = memberships.filter(organisation_id=chosen).first()
    if membership is None:
        membership = memberships.order_by("organisation__name").first()
    return Access(user, membership)


def get_for_user(queryset, access: Access, *, action=Action.VIEW, field="organisation", readable=None, **lookup):
    """Fetch one object the person may read, or 404; 403 if they may read it but not do `action`.

    Every get_<thing>_for_user helper is a thin call to this, so the rule lives in one place. `readable`
    is for records that people outside the owning subtree may also read (a decision read by the
    organisations it affects); changing still needs the owning organisation.
    """
    rows = readable if readable is not None else access.scope(queryset, field)
    try:
        obj = rows.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError):
        raise Http404 from None
    if action != Action.VIEW:
        if not access.can_change(getattr(obj, f"{field}_id"), action):
            raise PermissionDenied
    elif not access.can(Action.VIEW):
        raise PermissionDenied
    return obj


def get_organisation_for_user(access: Access, pk, *, action=Action.VIEW) -> Organisation:
    try:
        org = access.readable_organisations.get(pk=pk)
    except (Organisation.DoesNotExist, ValueError):
        raise Http404 from None
    if action != Action.VIEW and not access.can_change(org.pk, action):
        raise PermissionDenied
    return org


def get_membership_for_user(access: Access, pk, *, action=Action.VIEW) -> Membership:
    return get_for_user(Membership.objects.select_related("user", "organisation"), access, action=action, pk=pk)
