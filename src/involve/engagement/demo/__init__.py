"""Demo engagement records for the demo ICB (QWE) and trust (RJ7).

data.py holds the records, loader.py writes them. Dates are relative to the day the demo is loaded,
so the warnings always show: some decisions are compliant, and one shows each warning (no
involvement evidence, evidence after the decision, feedback to participants missing). Every record
is looked up by its name first, so loading twice adds nothing. Records are written through the
services, so the audit log shows them.
"""

from .loader import load_area

__all__ = ["load_area"]
