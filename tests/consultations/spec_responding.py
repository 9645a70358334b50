"""The responding part's declarations for the project-wide tests (see spec.py)."""

ROWS = []
EXEMPT = {}
OBJECTS = {}
FORMS = {}
FORM_EXEMPT = {}
PUBLIC = set()
