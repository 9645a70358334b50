"""The equality area's audit actions, each with the phrase the audit log reads."""

from involve.audit.registry import register_actions

register_actions({"equality.lookups_import": "imported the deprivation lookups"})
