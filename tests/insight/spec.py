"""Joins what each part of the insight area declares for the project-wide tests, as in
tests/consultations/spec.py: ROWS and EXEMPT (role × URL matrix), OBJECTS (browser walk kwargs),
FORMS and FORM_EXEMPT (form round-trips), PUBLIC (pages without sign-in).

Parts: review (classification pipeline, review queue, corrections, retraining, safeguarding) and
pages (insight pages, duplicates and campaigns, quotes, exports).
"""

import importlib

PARTS = ("review", "pages")

ROWS, EXEMPT, OBJECTS, FORMS, FORM_EXEMPT, PUBLIC = [], {}, {}, {}, {}, set()
for _part in PARTS:
    _module = importlib.import_module(f"{__package__}.spec_{_part}")
    ROWS += getattr(_module, "ROWS", [])
    EXEMPT |= getattr(_module, "EXEMPT", {})
    OBJECTS |= getattr(_module, "OBJECTS", {})
    FORMS |= getattr(_module, "FORMS", {})
    FORM_EXEMPT |= getattr(_module, "FORM_EXEMPT", {})
    PUBLIC |= set(getattr(_module, "PUBLIC", ()))
