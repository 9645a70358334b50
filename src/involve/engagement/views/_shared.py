"""Helpers that several engagement view modules use.

Views are thin: they check access through access.py, validate with forms.py, write through
services.py and read through selectors.py.
"""

from involve.core.pages import export_links as _export_links
from involve.core.pages import save_form


def export_links(request, name):
    return _export_links(request, f"engagement:{name}")


def _save_form(request, form, save, *, success, redirect_to):
    """core.pages.save_form, for views that know where to go next before saving."""
    return save_form(
        request,
        form,
        save,
        success=success,
        next_url=lambda obj: redirect_to() if callable(redirect_to) else redirect_to,
    )
