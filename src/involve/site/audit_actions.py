"""Audit actions written by the project-level package: erasing a person (involve erase_person, privacy.py)."""

from involve.audit.registry import register_actions

# The event holds counts per model and field only, never the erased values; its record is the
# anonymised account (erased-<id>@erased.invalid), or none for a person who does not sign in.
register_actions({"person.erased": "erased the personal data of"})
