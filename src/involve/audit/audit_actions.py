"""The audit log's own actions."""

from .registry import register_actions, register_field_labels

register_actions(
    {
        "audit.export": "exported the audit log",
        # Written by middleware.AccessLogMiddleware: the record is the file's name, or the page asked for.
        "file.downloaded": "downloaded",
        "request.refused": "was refused",
    }
)

register_field_labels("audit.export", {"filters": "filters"})
register_field_labels("file.downloaded", {"path": "page", "query": "filters"})
register_field_labels("request.refused", {"status": "answer", "method": "method", "query": "filters"})
