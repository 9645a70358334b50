"""The consultations area's entries in the header navigation (collected by involve.site.navigation)."""

from involve.core.navigation import NavEntry
from involve.organisations.permissions import Action

NAVIGATION = [
    NavEntry("consultations:consultation_list", "Consultations", "consultations", Action.VIEW),
]
