"""The organisations app's rows in the role × URL matrix (tests/matrix.py), checked by test_permissions.py.

`needs`: "org" is org_a, "membership" is a_viewer's membership of org_a.
"""

from involve.organisations.permissions import Action

from ..matrix import LIST, OBJECT, PAGE, Row, declare

ROWS = declare(
    "organisations",
    [
        Row("organisations:list", None, Action.VIEW, LIST),
        Row("organisations:detail", "org", Action.VIEW, OBJECT),
        Row("organisations:edit", "org", Action.MANAGE_MEMBERS, OBJECT),
        Row("organisations:add_child", "org", Action.MANAGE_MEMBERS, OBJECT),
        Row("organisations:succession_add", None, Action.MANAGE_MEMBERS, PAGE),
        Row("organisations:members", None, Action.MANAGE_MEMBERS, PAGE),
        Row("organisations:invite", None, Action.MANAGE_MEMBERS, PAGE),
        Row("organisations:member_edit", "membership", Action.MANAGE_MEMBERS, OBJECT),
        Row("organisations:member_remove", "membership", Action.MANAGE_MEMBERS, OBJECT),
    ],
)
