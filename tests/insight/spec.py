"""Joins what each part of the insight area declares for the project-wide tests, as in
tests/consultations/spec.py: ROWS and EXEMPT (role × URL matrix), OBJECTS (browser walk kwargs),
FORMS and FORM_EXEMPT (form round-trips), PUBLIC (pages without sign-in).

Parts: review (classification pipeline, review queue, corrections, retraining, safeguarding) and
pages (insight pages, duplicates and campaigns, quotes, exports).
"""

from ..matrix import join_parts

PARTS = ("review", "pages")

ROWS, EXEMPT, OBJECTS, FORMS, FORM_EXEMPT, PUBLIC = join_parts(__package__, PARTS)
