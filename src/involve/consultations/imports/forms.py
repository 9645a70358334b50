"""The import forms: the upload with its layout, and the mapping page (one select per column)."""

from django import forms
from django.core.exceptions import ValidationError

from involve.core.forms import Form
from involve.core.uploads import CSV, XLSX, UploadField  # noqa: F401

from ..models import ImportRun
from .layouts import target_choices
from .reading import ENCODING_PROBLEM
from .validation import check_mapping


class ImportUploadField(UploadField):
    """An upload of CSV or XLSX; a CSV in an encoding we cannot read (UTF-16, Excel's "Unicode text")
    is told what to do rather than that it is not a CSV file."""

    def clean(self, data, initial=None):
        try:
            return super().clean(data, initial)
        except ValidationError as error:
            if getattr(error, "code", None) == "type" and str(getattr(data, "name", "")).lower().endswith(".csv"):
                data.seek(0)
                start = data.read(4096)
                if start.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\0" in start:
                    raise ValidationError(ENCODING_PROBLEM, code="encoding") from None
            raise


LAYOUT_HINTS = {
    ImportRun.Layout.FFT: "Columns such as Date, Service or Ward, FFT rating (Very good to Don't know, or 1 to 6) "
    "and Comment",
    ImportRun.Layout.CITIZEN_SPACE: "Response ID, Submitted, then one column per question headed with its text",
    ImportRun.Layout.ENGAGEMENT_HQ: "Response No., Date Submitted, then one column per question",
    ImportRun.Layout.CUSTOM: "You say where each column goes on the next page",
}


class ImportStartForm(Form):
    file = ImportUploadField(
        label="File to import",
        kinds=(CSV, XLSX),
        help_text="A CSV (UTF-8 or Windows) or Excel (.xlsx) file, with the column headings in the first row",
    )
    layout = forms.ChoiceField(
        label="What kind of file is it?",
        choices=ImportRun.Layout.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what kind of file it is"},
    )


# The select's value for "Do not import" (stored as "" in the mapping): not empty, so that a select
# sent with no value at all is an error rather than a silent "Do not import".
SKIP_VALUE = "skip"


class MappingForm(Form):
    """One select per heading, named column_<n> (headings are text from the file, never field names)."""

    def __init__(self, *args, headings, questions, mapping, importing=False, examples=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.headings, self.questions, self.importing = headings, questions, importing
        choices = [(value or SKIP_VALUE, label) for value, label in target_choices(questions)]
        for i, heading in enumerate(headings):
            shown = [e for e in (examples or {}).get(heading, []) if e][:3]
            hint = "For example: " + "; ".join(s if len(s) <= 40 else s[:38] + "…" for s in shown) if shown else ""
            self.fields[f"column_{i}"] = forms.ChoiceField(
                label=heading,
                choices=choices,
                initial=mapping.get(heading) or SKIP_VALUE,
                help_text=hint,
                error_messages={
                    "required": f"Choose where the column “{heading[:60]}” goes, or “Do not import”",
                    "invalid_choice": "Select where this column goes from the list",
                },
            )

    def mapping(self):
        values = (self.cleaned_data.get(f"column_{i}") for i in range(len(self.headings)))
        return {heading: "" if v in (None, SKIP_VALUE) else v for heading, v in zip(self.headings, values, strict=True)}

    def clean(self):
        cleaned = super().clean()
        if self.importing and not self.errors:
            index = {heading: i for i, heading in enumerate(self.headings)}
            for problem in check_mapping(self.headings, self.mapping(), self.questions):
                field = f"column_{index[problem.column]}" if problem.column in index else None
                self.add_error(field, problem.reason)
        return cleaned
