"""The header navigation: each app's entries, in a fixed order (home first, the audit log last)."""

from involve.audit.navigation import NAVIGATION as AUDIT
from involve.consultations.navigation import NAVIGATION as CONSULTATIONS
from involve.core.navigation import NavEntry
from involve.engagement.navigation import NAVIGATION as ENGAGEMENT
from involve.equality.navigation import NAVIGATION as EQUALITY
from involve.insight.navigation import NAVIGATION as INSIGHT
from involve.organisations.navigation import NAVIGATION as ORGANISATIONS
from involve.organisations.permissions import Action

HOME = [NavEntry("home", "Home", "home", Action.VIEW)]

NAVIGATION = [*HOME, *ENGAGEMENT, *CONSULTATIONS, *INSIGHT, *EQUALITY, *ORGANISATIONS, *AUDIT]
