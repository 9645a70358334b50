"""The consultations area's rows in the role × URL matrix (tests/matrix.py), checked by test_permissions.py.

Each part of the area declares its own rows in spec_<part>.py (ROWS: (full url name such as
"consultations:consultation_list" or "equality:report",
record from the `records` fixture or a fixed argument, action, kind); EXEMPT: {full url name: reason});
this module joins them, so the parts can be written and read apart.
"""

from ..matrix import Row, declare
from . import spec

ROWS = declare(
    "consultations",
    [Row(name, needs, action, kind) for name, needs, action, kind in spec.ROWS],
    exempt=spec.EXEMPT,
)
