"""Helpers that several engagement view modules use.

Views are thin: they check access through access.py, validate with forms.py, write through
services.py and read through selectors.py.
"""

from involve.core.pages import export_links as _export_links


def export_links(request, name):
    return _export_links(request, f"engagement:{name}")
