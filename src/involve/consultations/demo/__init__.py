"""Demo consultations, responses and an imported Friends and Family Test file (see data.py)."""

from .loader import load_area

__all__ = ["load_area"]
