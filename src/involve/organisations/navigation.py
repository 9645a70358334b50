"""The organisations area's entries in the header navigation (collected by involve.site.navigation)."""

from involve.core.navigation import NavEntry

from .permissions import Action

NAVIGATION = [
    NavEntry("organisations:list", "Organisations", "organisations", Action.VIEW),
    NavEntry("organisations:members", "Members", "members", Action.MANAGE_MEMBERS),
]
