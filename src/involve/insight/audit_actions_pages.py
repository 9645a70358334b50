"""The insight pages' audit actions (duplicates, campaigns, quotes, exports), each with the phrase the
audit log reads. Imported by the modules that record them (and by insight/audit_actions.py once the
lead adds `from . import audit_actions_pages`)."""

from involve.audit.registry import register_actions

register_actions(
    {
        "insight.duplicate_campaign": "changed whether this is a campaign:",
        "insight.quote_propose": "suggested representative quotes for",
        "insight.quote_confirm": "confirmed a representative quote for",
        "insight.quote_remove": "removed a representative quote for",
        "insight.export": "exported the theme counts",
    }
)
