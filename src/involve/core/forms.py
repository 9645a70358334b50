"""Form pieces shared by every area: the NHS date input and a description of each field for templates."""

import datetime

from django import forms


class NHSDateWidget(forms.MultiWidget):
    """Day, month and year boxes, as the NHS.UK date input component asks for."""

    template_name = "django/forms/widgets/multiwidget.html"

    def __init__(self, attrs=None):
        box = {"inputmode": "numeric"}
        super().__init__([forms.TextInput(box), forms.TextInput(box), forms.TextInput(box)], attrs)

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        if isinstance(value, str) and value.count("-") == 2:
            year, month, day = value.split("-")
            return [day, month, year]
        return [None, None, None]

    def value_from_datadict(self, data, files, name):
        return [data.get(f"{name}-{part}", "").strip() for part in ("day", "month", "year")]

    def value_omitted_from_data(self, data, files, name):
        return not any(f"{name}-{part}" in data for part in ("day", "month", "year"))


class NHSDateField(forms.Field):
    widget = NHSDateWidget
    default_error_messages = {
        "incomplete": "%(label)s must include a day, month and year",
        "invalid": "%(label)s must be a real date",
        "year": "Year must include 4 numbers",
    }

    def to_python(self, value):
        if isinstance(value, datetime.date) or value in (None, ""):
            return value or None
        parts = list(value)
        if not any(parts):
            return None
        label = self.label or "Date"
        if not all(parts):
            raise forms.ValidationError(self.error_messages["incomplete"] % {"label": label}, code="incomplete")
        try:
            day, month, year = (int(p) for p in parts)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"] % {"label": label}, code="invalid") from None
        if len(str(parts[2])) != 4:
            raise forms.ValidationError(self.error_messages["year"], code="year")
        try:
            return datetime.date(year, month, day)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"] % {"label": label}, code="invalid") from None

    def prepare_value(self, value):
        return value


def field_kind(bound_field) -> str:
    """Which design-system component renders this field."""
    widget = bound_field.field.widget
    if isinstance(widget, NHSDateWidget):
        return "date"
    # CheckboxSelectMultiple is a subclass of RadioSelect in Django 5.2, so it must be tested first:
    # drawn as radios, a "choose several" question keeps only one tick on every save.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.ClearableFileInput | forms.FileInput):
        return "file"
    return "input"


def field_id(bound_field) -> str:
    """The id the error summary links to: the first box of a date, the first option of a choice."""
    kind = field_kind(bound_field)
    if kind == "date":
        return f"{bound_field.html_name}-day"
    return bound_field.auto_id


def date_parts(bound_field):
    value = bound_field.value()
    if isinstance(value, list):
        return value
    return NHSDateWidget().decompress(value)


def selected_values(bound_field) -> set[str]:
    value = bound_field.value()
    if value is None:
        return set()
    if isinstance(value, list | tuple):
        return {str(v) for v in value}
    return {str(value)}


def error_list(form) -> list[dict]:
    """Errors for the error summary, each linking to its field."""
    items = [{"text": e, "href": "#main-form"} for e in form.non_field_errors()]
    for bf in form:
        for e in bf.errors:
            items.append({"text": e, "href": f"#{field_id(bf)}"})
    return items
