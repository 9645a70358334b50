"""The header's navigation, with no knowledge of which areas exist or who may see them.

Each app declares its entries (`<app>/navigation.py`, a list of `NavEntry`); the site package
collects them in a fixed order and hands them here once, at start-up (`set_entries`). An entry is
shown when `access.can(entry.action)`, whatever kind of object `access` is.
"""

from typing import Any, NamedTuple

from django.urls import reverse


class NavEntry(NamedTuple):
    url_name: str
    label: str
    section: str  # the `section` a page passes to its template, to mark its entry as current
    action: Any  # what the person must be allowed to do to see the entry


_entries: list[NavEntry] = []


def set_entries(entries):
    _entries[:] = list(entries)


def entries() -> list[NavEntry]:
    return list(_entries)


def items_for(access, current_section):
    if not access:
        return []
    return [
        {"href": reverse(entry.url_name), "text": entry.label, "current": entry.section == current_section}
        for entry in _entries
        if access.can(entry.action)
    ]
