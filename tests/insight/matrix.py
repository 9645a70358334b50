"""The insight area's rows in the role × URL matrix (tests/matrix.py), joined from spec_<part>.py."""

from ..matrix import Row, declare
from . import spec

ROWS = declare(
    "insight",
    [Row(name, needs, action, kind) for name, needs, action, kind in spec.ROWS],
    exempt=spec.EXEMPT,
)
