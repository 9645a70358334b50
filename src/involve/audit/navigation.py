"""The audit log's entry in the header navigation (collected by involve.site.navigation).

audit depends on organisations for its permission names (as audit/views.py does).
"""

from involve.core.navigation import NavEntry
from involve.organisations.permissions import Action

NAVIGATION = [
    NavEntry("audit:list", "Audit log", "audit", Action.VIEW_AUDIT),
]
