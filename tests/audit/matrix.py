"""The audit app's rows in the role × URL matrix (tests/matrix.py), checked by
tests/organisations/test_permissions.py with the other foundation pages."""

from involve.organisations.permissions import Action

from ..matrix import PAGE, Row, declare

ROWS = declare(
    "audit",
    [Row("audit:list", None, Action.VIEW_AUDIT, PAGE)],
    exempt={
        "audit:export": "POST only (a GET is 405), starts the export task: tests/audit/test_audit.py",
    },
)
