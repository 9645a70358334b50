"""Joins what each part of the consultations area declares for the project-wide tests:

- ROWS and EXEMPT: the role × URL matrix (matrix.py, test_permissions.py);
- OBJECTS: the URL kwargs of each page for the browser walk (tests/e2e/pages.py), as functions of
  the world `w` (use `records_for(w)` for one of every record, made on first use);
- FORMS and FORM_EXEMPT: the form round-trip and message tests (tests/project/test_forms.py);
- PUBLIC: pages anyone may reach without signing in (tests/project/test_default_deny.py).

Each part keeps these in its own spec_<part>.py with the same names (any may be missing).
"""

from ..matrix import join_parts

PARTS = ("builder", "responding", "imports", "analysis", "equality")

ROWS, EXEMPT, OBJECTS, FORMS, FORM_EXEMPT, PUBLIC = join_parts(__package__, PARTS)
