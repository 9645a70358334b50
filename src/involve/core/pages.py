"""The web toolkit every area's views use, with no domain knowledge: the form page (save, errors,
conflicts, a record deleted meanwhile), the delete confirmation, and list sorting and export links.

One form-view style: a view builds its form and calls save_form() with a function that saves and
returns the object; the success message and the redirect are built from that object.
"""

import dataclasses
import datetime
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from .conflicts import RecordGone, StaleEdit
from .exports import csv_response, xlsx_response
from .pagination import paginate

EXPORT_FORMATS = ("csv", "xlsx")

# An invalid form, a conflict and a refused delete are all answered with this status, everywhere.
INVALID = 400
CONFLICT = 409


def posted(request):
    """The form data of a POST, else None. Not `request.POST or None`: a POST with every box left empty
    is still a submission, and must be answered with errors rather than a fresh form."""
    return request.POST if request.method == "POST" else None


def apply_errors(form, exc: ValidationError):
    """Rules checked by a service come back as the form's own errors, next to their fields."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def save_form(request, form, save, *, success, next_url):
    """On a valid POST, call save() (which returns the saved object); then show `success` (text, or a
    function of the object) and redirect to next_url(object). Returns None when the form should be
    shown again: not a POST, invalid, refused by the service, or someone else saved meanwhile (the
    form then carries `conflict` rows, and the person's typing is kept). A record deleted meanwhile
    gets its own page that shows what was typed."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        obj = save()
    except ValidationError as exc:
        apply_errors(form, exc)
        return None
    except StaleEdit as exc:
        _mark_conflict(form, exc.current)
        return None
    except RecordGone:
        return render(request, "core/record_gone.html", {"typed": typed_values(form)}, status=404)
    messages.success(request, success(obj) if callable(success) else success)
    return redirect(next_url(obj))


def form_view(request, form, save, *, success, next_url, **page):
    """The one form-view style: save_form(), else the form page (see form_page for `page`)."""
    return save_form(request, form, save, success=success, next_url=next_url) or form_page(request, form, **page)


def form_page(request, form, *, title, section, cancel_url, caption="", intro="", submit="Save", template=None):
    status = CONFLICT if getattr(form, "conflict", None) is not None else INVALID if form.errors else 200
    return render(
        request,
        template or "core/form_page.html",
        {
            "section": section,
            "form": form,
            "title": title,
            "caption": caption,
            "intro": intro,
            "cancel_url": cancel_url,
            "submit": submit,
        },
        status=status,
    )


def confirm_delete(request, *, obj, delete, title, message, cancel_url, done_url, done_message, section):
    """The confirmation page for a delete, and the delete itself on POST."""
    error = None
    if request.method == "POST":
        try:
            delete()
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except RecordGone:
            messages.success(request, "It had already been deleted.")
            return redirect(done_url)
        else:
            messages.success(request, done_message)
            return redirect(done_url)
    return render(
        request,
        "core/confirm_delete.html",
        {
            "section": section,
            "object": obj,
            "title": title,
            "message": message,
            "error": error,
            "cancel_url": cancel_url,
        },
        status=INVALID if error else 200,
    )


# Conflicts: show both versions, lose neither.


def _display(field, value):
    if value in (None, "", [], ()):
        return "Not given"
    if isinstance(field, forms.ModelMultipleChoiceField):
        # Records either way: model_to_dict() gives a list of them, cleaned_data a queryset.
        return ", ".join(str(item) for item in value) or "None"
    if isinstance(field, forms.ModelChoiceField):
        if not hasattr(value, "pk"):
            value = field.queryset.filter(pk=value).first()
        return str(value) if value is not None else "Not given"
    if isinstance(field, forms.MultipleChoiceField):
        labels = dict(field.choices)
        return ", ".join(str(labels.get(v, v)) for v in value)
    if isinstance(field, forms.ChoiceField):
        return str(dict(field.choices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.date):
        return f"{value:%-d %B %Y}"
    return str(value)


def _mark_conflict(form, current):
    stored = forms.model_to_dict(current, fields=[n for n in form.fields if n != "revision"])
    rows = []
    for name, field in form.fields.items():
        if name == "revision" or name not in stored:
            continue
        if field.has_changed(stored[name], form[name].data):
            rows.append(
                {
                    "label": form[name].label,
                    "theirs": _display(field, stored[name]),
                    "yours": _display(field, form.cleaned_data.get(name)),
                }
            )
    form.conflict = rows
    # Saving again is a deliberate choice to keep this person's version over the newer one.
    form.data = form.data.copy()
    form.data["revision"] = str(current.revision)
    form.add_error(
        None,
        "Someone else saved changes to this record after you opened it. Both versions are shown below and "
        "what you typed is still in the form: check the differences, then save again to keep your version.",
    )


def typed_values(form):
    """What the person typed, field by field, so nothing is lost when the record has gone."""
    rows = []
    for name, field in form.fields.items():
        if name == "revision" or isinstance(field.widget, forms.HiddenInput):
            continue
        value = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else form[name].data
        rows.append({"label": form[name].label, "value": _display(field, value)})
    return rows


# Lists


@dataclasses.dataclass(frozen=True)
class ListPage:
    """One list page and its exports, declared once: its filter form, the selector that reads it (which
    takes the access scope, the filters and the ordering), its sortable columns and its export rows.
    `on_page(page)` may add to the context from the rows shown (counts worked out for one page only)."""

    template: str
    section: str
    filter_form: type
    select: Callable
    sorts: dict
    default_sort: str
    columns: list
    export_url: str
    export_rows: Callable
    export_name: str
    export_title: str
    on_page: Callable | None = None

    def filtered(self, request):
        form = self.filter_form(request.GET, access=request.access)
        sort, ordering = sort_order(request, self.sorts, self.default_sort)
        return form, self.select(access=request.access, filters=form.values(), ordering=ordering), sort


def list_page(request, spec: ListPage, **context):
    """The list: filters, results count, sortable columns, pagination and export links."""
    form, rows, sort = spec.filtered(request)
    page = paginate(request, rows)
    extra = spec.on_page(page) if spec.on_page else {}
    return render(
        request,
        spec.template,
        {
            "section": spec.section,
            "form": form,
            "page": page,
            "columns": sort_columns(request, spec.columns, sort),
            "exports": export_links(request, spec.export_url),
            **extra,
            **context,
        },
    )


def list_export(request, spec: ListPage, fmt):
    """The list as filtered now, as CSV or XLSX."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    _, rows, _ = spec.filtered(request)
    header, values = spec.export_rows(rows)
    return export_response(fmt, header, values, spec.export_name, spec.export_title)


def sort_order(request, sorts, default):
    """The ordering asked for in ?sort=, if it is on the allowlist; otherwise the default.

    `sorts` maps a public key to the fields it orders by. The requested value is never passed to
    order_by() itself, only the allowlisted fields it names.
    """
    requested = request.GET.get("sort", "")
    key = requested.removeprefix("-")
    if key not in sorts:
        requested, key = default, default.removeprefix("-")
    descending = requested.startswith("-")
    ordering = [F(f).desc(nulls_last=True) if descending else F(f).asc(nulls_last=True) for f in sorts[key]]
    return requested, ordering + ["pk"]


def sort_columns(request, columns, current):
    """Header links for sortable columns: (label, key) pairs become dicts with href and aria-sort."""
    result = []
    for label, key in columns:
        if key is None:
            result.append({"label": label, "href": None})
            continue
        params = request.GET.copy()
        params.pop("page", None)
        params["sort"] = f"-{key}" if current == key else key
        state = "ascending" if current == key else "descending" if current == f"-{key}" else "none"
        result.append({"label": label, "href": f"?{params.urlencode()}", "aria_sort": state})
    return result


def export_links(request, url_name):
    """Links to the CSV and XLSX exports of the list as it is filtered now."""
    query = request.GET.copy()
    query.pop("page", None)
    suffix = f"?{query.urlencode()}" if query else ""
    return {fmt: reverse(url_name, args=[fmt]) + suffix for fmt in EXPORT_FORMATS}


def export_response(fmt, header, rows, filename, title):
    if fmt not in EXPORT_FORMATS:
        raise Http404
    if fmt == "csv":
        return csv_response(header, rows, filename)
    return xlsx_response(header, rows, filename, title=title)
