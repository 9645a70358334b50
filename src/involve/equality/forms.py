"""Forms of the equality pages: the report's date range and the lookup upload."""

from involve.core import forms as core_forms
from involve.core.forms import NHSDateField
from involve.core.uploads import CSV, UploadField

from .lookups import IMD_2019

# The ONS postcode directory for England and Wales is about 200 MB as CSV.
LOOKUP_MAX_BYTES = 400 * 1024 * 1024


class ReportFilterForm(core_forms.Form):
    date_from = NHSDateField(label="Answered on or after", required=False)
    date_to = NHSDateField(label="Answered on or before", required=False)

    def value(self, name):
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name) or None


class LookupForm(core_forms.Form):
    postcodes = UploadField(
        label="ONS postcode directory extract (CSV with pcds and lsoa11 or lsoa21 columns)",
        kinds=(CSV,),
        max_bytes=LOOKUP_MAX_BYTES,
        required=False,
    )
    deprivation = UploadField(
        label="English Indices of Deprivation 2019, File 1 (CSV)",
        kinds=(CSV,),
        max_bytes=LOOKUP_MAX_BYTES,
        required=False,
    )

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("postcodes") and not data.get("deprivation"):
            self.add_error("postcodes", "Select a postcode directory file, a deprivation file or both")
        return data

    edition = IMD_2019
