"""The engagement area's entries in the header navigation (collected by involve.site.navigation)."""

from involve.core.navigation import NavEntry
from involve.organisations.permissions import Action

NAVIGATION = [
    NavEntry("engagement:decision_list", "Decisions", "decisions", Action.VIEW),
    NavEntry("engagement:activity_list", "Activities", "activities", Action.VIEW),
    NavEntry("engagement:programme_list", "Programmes", "programmes", Action.VIEW),
    NavEntry("engagement:partner_list", "Partners", "partners", Action.VIEW),
]
