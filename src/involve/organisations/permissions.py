"""The role × action table: what each role may do in its own organisation.

This table is the single source of truth. The README prints it, the members page shows it, and
tests/organisations/test_permissions.py checks every action for every role. People whose active organisation is
above another in the hierarchy (a region, the national body) may *read* that organisation's
records, never change them.
"""

from django.db import models

from .models import Role


class Action(models.TextChoices):
    VIEW = "view", "See the organisation's records, lists and exports"
    EDIT = "edit", "Add and change records (activities, evidence, drafts)"
    MANAGE = "manage", "Screen decisions, publish, and delete records"
    MANAGE_MEMBERS = "manage_members", "Invite people, change roles, change organisation details"
    VIEW_AUDIT = "view_audit", "Read the organisation's audit log"
    VIEW_EQUALITY_DATA = "view_equality_data", "See person-level equality monitoring data"


ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.ADMINISTRATOR: frozenset({Action.VIEW, Action.EDIT, Action.MANAGE, Action.MANAGE_MEMBERS, Action.VIEW_AUDIT}),
    Role.ENGAGEMENT_LEAD: frozenset({Action.VIEW, Action.EDIT, Action.MANAGE}),
    Role.CONTRIBUTOR: frozenset({Action.VIEW, Action.EDIT}),
    Role.VIEWER: frozenset({Action.VIEW}),
}

# Not granted by any role: added to a membership on top of its role.
ADD_ON_ACTIONS = {Action.VIEW_EQUALITY_DATA: "equality_data_access"}


def membership_allows(membership, action) -> bool:
    if membership is None:
        return False
    if action in ADD_ON_ACTIONS:
        return bool(getattr(membership, ADD_ON_ACTIONS[action]))
    return action in ROLE_ACTIONS.get(membership.role, frozenset())


def table():
    """Rows of (action, {role: allowed}) for pages and docs."""
    rows = []
    for action in Action:
        if action in ADD_ON_ACTIONS:
            allowed = {role: "with the equality data permission" for role in Role}
        else:
            allowed = {role: action in ROLE_ACTIONS[role] for role in Role}
        rows.append((action, allowed))
    return rows
