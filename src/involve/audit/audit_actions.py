"""The audit log's own actions."""

from .registry import register_actions, register_field_labels

register_actions(
    {
        "audit.export": "exported the audit log",
    }
)

register_field_labels("audit.export", {"filters": "filters"})
