"""The pages part's declarations for the project-wide tests (see spec.py)."""

ROWS = []
