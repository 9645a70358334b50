"""The insight area's entry in the header navigation (collected by involve.site.navigation)."""

from involve.core.navigation import NavEntry
from involve.organisations.permissions import Action

NAVIGATION = [
    NavEntry("insight:overview", "Insight", "insight", Action.VIEW),
]
