"""The header's navigation: each area adds its entry here (url name, label, section, action needed)."""

from django.urls import reverse

from involve.organisations.permissions import Action

NAVIGATION = [
    ("home", "Home", "home", Action.VIEW),
    ("engagement:decision_list", "Decisions", "decisions", Action.VIEW),
    ("engagement:activity_list", "Activities", "activities", Action.VIEW),
    ("engagement:programme_list", "Programmes", "programmes", Action.VIEW),
    ("engagement:partner_list", "Partners", "partners", Action.VIEW),
    ("organisations:list", "Organisations", "organisations", Action.VIEW),
    ("organisations:members", "Members", "members", Action.MANAGE_MEMBERS),
    ("audit:list", "Audit log", "audit", Action.VIEW_AUDIT),
]


def items_for(access, current_section):
    if not access:
        return []
    return [
        {"href": reverse(name), "text": label, "current": section == current_section}
        for name, label, section, action in NAVIGATION
        if access.can(action)
    ]
