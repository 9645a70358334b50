"""The equality area's entries in the header navigation (collected by involve.site.navigation)."""

from involve.core.navigation import NavEntry
from involve.organisations.permissions import Action

NAVIGATION = [NavEntry("equality:report", "Equality", "equality", Action.VIEW)]
