"""The equality part's declarations for the project-wide tests (see spec.py)."""

from involve.organisations.permissions import Action

from ..matrix import CREATE, LIST

# No arguments: each page is of the person's active organisation. The records need the equality-data
# permission, which no role grants (an add-on to a membership): tests/equality/test_permissions.py.
ROWS = [
    ("equality:report", None, Action.VIEW, LIST),
    ("equality:records", None, Action.VIEW_EQUALITY_DATA, CREATE),
    ("equality:lookups", None, Action.MANAGE, CREATE),
]
EXEMPT = {}
OBJECTS = {}
FORMS = {"equality:lookups": "add"}
FORM_EXEMPT = {}
PUBLIC = set()
