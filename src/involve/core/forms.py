"""Form pieces shared by every area: base forms whose error messages are written for people, the NHS
date input, the hidden revision that catches a stale edit, and a description of each field for templates."""

import datetime

from django import forms
from django.core import validators
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.utils import pretty_name

# The largest whole number every database we support stores in an integer column.
MAX_INTEGER = 2_147_483_647
# The widest id any of our tables has (a 64-bit primary key).
MAX_ID = 2**63 - 1


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Years outside 1900–2999 are typing mistakes, and year 9999 breaks date arithmetic in filters.
        self.validators.append(_year_in_range)

    def to_python(self, value):
        if isinstance(value, datetime.date) or value in (None, ""):
            return value or None
        parts = list(value)
        if not any(parts):
            return None
        label = self.label or "Date"
        if not all(parts):
            raise forms.ValidationError(self.error_messages["incomplete"] % {"label": label}, code="incomplete")
        # Only the digits 0–9, and few of them: int() also reads "٣" and "1_000", and a 20-digit day
        # overflows datetime.date() (OverflowError, not ValueError).
        if not all(str(p).isascii() and str(p).isdecimal() and len(str(p)) <= 4 for p in parts):
            raise forms.ValidationError(self.error_messages["invalid"] % {"label": label}, code="invalid")
        day, month, year = (int(p) for p in parts)
        if len(str(parts[2])) != 4:
            raise forms.ValidationError(self.error_messages["year"], code="year")
        try:
            return datetime.date(year, month, day)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"] % {"label": label}, code="invalid") from None

    def prepare_value(self, value):
        return value


def _year_in_range(value):
    if value and not 1900 <= value.year <= 2999:
        raise forms.ValidationError("Year must be between 1900 and 2999", code="year_range")


def _one_line(label):
    def validate(value):
        if value and ("\r" in value or "\n" in value):
            raise forms.ValidationError(f"{label} must be on one line", code="one_line")

    return validate


def _ids_in_range(field):
    """A "choose several" question looks up every id ticked at once (pk IN …), where SQLite answers an
    id wider than 64 bits with OverflowError instead of no rows: refuse one as not an option first."""
    clean = field.clean

    def clean_ids(value):
        for item in value if isinstance(value, list | tuple) else ():
            try:
                number = int(item)
            except (TypeError, ValueError):
                continue  # Django refuses it as not an id
            if not -MAX_ID <= number <= MAX_ID:
                raise forms.ValidationError(
                    field.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                )
        return clean(value)

    return clean_ids


def _lower_first(text):
    # "Title" → "title", but "ODS code" and "VCSE partner" keep their capitals.
    text = str(text)
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _human_messages(field, label, kind):
    """NHS.UK-style error messages for one field, in place of Django's defaults."""
    name = _lower_first(label)
    if kind in ("radios", "select"):
        required = f"Select the {name}"
    elif kind == "checkboxes":
        required = f"Select at least one option for {name}"
    elif kind == "file":
        required = "Select a file"
    else:
        required = f"Enter the {name}"
    if label.endswith("?"):
        required = "Select an answer" if kind in ("radios", "select", "checkboxes") else "Answer the question"
    from_list = f"Select {name} from the list"  # noqa: S608 (an error message, not SQL)
    messages = {
        "required": required,
        "max_length": f"{label} must be %(limit_value)d characters or fewer",
        "min_length": f"{label} must be %(limit_value)d characters or more",
        "min_value": f"{label} must be %(limit_value)s or more",
        "max_value": f"{label} must be %(limit_value)s or less",
        "invalid_choice": from_list,
        "invalid_pk_value": from_list,
        "invalid_list": from_list,
        "null_characters_not_allowed": f"{label} must not contain the null character",
        "max_digits": f"{label} must be a smaller number",
        "max_whole_digits": f"{label} must be a smaller number",
        "max_decimal_places": f"{label} must have no more than %(max)s decimal places",
    }
    if isinstance(field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField):
        messages["invalid_choice"] = f"Select only options listed for {name}"
    if isinstance(field, forms.EmailField):
        messages["invalid"] = "Enter an email address in the correct format, like name@example.nhs.uk"
    elif isinstance(field, forms.URLField):
        messages["invalid"] = "Enter a web address in the correct format, like https://www.example.nhs.uk"
    elif isinstance(field, forms.IntegerField):
        messages["invalid"] = f"{label} must be a whole number"
    elif isinstance(field, forms.DecimalField | forms.FloatField):
        messages["invalid"] = f"{label} must be a number"
    return messages


def humanise_errors(form):
    """Give every field of `form` error messages written for people. A message a form sets on purpose
    (it differs from Django's default) is kept."""
    for name, field in form.fields.items():
        label = str(field.label or pretty_name(name))
        kind = field_kind(form[name])
        defaults = {}
        for cls in reversed(type(field).__mro__):
            defaults.update(getattr(cls, "default_error_messages", {}))
        for code, message in _human_messages(field, label, kind).items():
            if field.error_messages.get(code, defaults.get(code)) == defaults.get(code):
                field.error_messages[code] = message
        if isinstance(field, forms.IntegerField) and field.max_value is None:
            field.max_value = MAX_INTEGER
            field.validators.append(validators.MaxValueValidator(MAX_INTEGER))
        if isinstance(field, forms.ModelMultipleChoiceField):
            field.clean = _ids_in_range(field)
        if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.Textarea | forms.HiddenInput):
            # A line break in a name or a title ends up in email headers and file names.
            field.validators.append(_one_line(label))


class HumanErrorsMixin:
    conflict = None  # rows of "theirs and yours", set by core.pages.save_form on a stale edit

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        humanise_errors(self)

    def add_error(self, field, error):
        # A model rule about a field this form does not show (an activity's feedback date, when its
        # start date moves) is shown at the top of the form; Django would raise ValueError, a 500.
        if field is None and isinstance(error, forms.ValidationError) and hasattr(error, "error_dict"):
            error = error.error_dict
        if field is None and isinstance(error, dict):
            placed = {}
            for name, errors in error.items():
                key = name if name in self.fields else NON_FIELD_ERRORS
                placed.setdefault(key, []).extend(errors if isinstance(errors, list) else [errors])
            error = placed
        super().add_error(field, error)


class Form(HumanErrorsMixin, forms.Form):
    """The base of every form of ours: error messages in the NHS.UK style."""


class ModelForm(HumanErrorsMixin, forms.ModelForm):
    """The base of every model form of ours: NHS.UK-style errors and, for a record that has a
    `revision`, a hidden field with the revision the form was opened at, so that saving over
    someone else's newer changes is caught (involve.audit.writes.update raises StaleEdit)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance.pk and any(f.name == "revision" for f in instance._meta.concrete_fields):
            self.fields["revision"] = forms.IntegerField(
                widget=forms.HiddenInput, required=False, initial=instance.revision
            )

    @property
    def revision(self):
        """The revision the person saw, or None (an old page without one, or a new record)."""
        return self.cleaned_data.get("revision") if "revision" in self.fields else None


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


def character_limit(bound_field):
    """The maximum length of a text field, for the design system's character count (or None)."""
    return getattr(bound_field.field, "max_length", None)


def error_list(form) -> list[dict]:
    """Errors for the error summary, each linking to its field."""
    items = [{"text": e, "href": "#main-form"} for e in form.non_field_errors()]
    for bf in form:
        for e in bf.errors:
            items.append({"text": e, "href": f"#{field_id(bf)}"})
    return items


# Unicode's bidirectional controls: invisible, they reverse or reorder the text after them, so that
# "invoice\u202efdp.exe" shows as "invoiceexe.pdf" and a link can show one address and lead to
# another. Nobody types them into a web address or a file name on purpose.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def has_bidi_controls(text) -> bool:
    return not BIDI_CONTROLS.isdisjoint(str(text or ""))


def no_bidi_controls(value):
    """Validator for a link someone enters: no direction controls, typed or %-encoded (%E2%80%AE)."""
    from urllib.parse import unquote

    text = str(value or "")
    if has_bidi_controls(text) or has_bidi_controls(unquote(text, errors="replace")):
        raise forms.ValidationError(
            "The web address contains hidden characters that change the direction of text. "
            "Type the address instead of copying and pasting it",
            code="bidi",
        )
