from django import forms

from involve.core import forms as core_forms
from involve.core.forms import NHSDateField

from .models import Organisation, Role


class OrganisationForm(core_forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(label="Type of organisation", choices=Organisation.Kind.choices)
    ods_code = forms.CharField(
        label="ODS code",
        max_length=10,
        required=False,
        help_text="Organisation Data Service code, for example QWE or RJ1",
    )
    valid_from = NHSDateField(label="Established on", required=False)
    valid_to = NHSDateField(label="Closed or merged on", required=False)
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            self.add_error("valid_to", "The closing date must be on or after the date it was established")
        return data


class SuccessionForm(core_forms.Form):
    predecessor = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label="Predecessor", help_text="The organisation whose work passed on"
    )
    successor = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label="Successor", help_text="The organisation that took it on"
    )
    effective_date = NHSDateField(label="Date of the change")

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["predecessor"].queryset = organisations
        self.fields["successor"].queryset = organisations

    def clean(self):
        data = super().clean()
        if data.get("predecessor") and data.get("predecessor") == data.get("successor"):
            self.add_error("successor", "Choose a different organisation from the predecessor")
        return data


class InviteForm(core_forms.Form):
    email = forms.EmailField(label="Email address", max_length=254)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    role = forms.ChoiceField(choices=Role.choices, widget=forms.RadioSelect, initial=Role.VIEWER)
    equality_data_access = forms.BooleanField(
        label="May see person-level equality monitoring data",
        required=False,
        help_text="Special category data: give this only to people who need it for their work",
    )


class MembershipForm(core_forms.Form):
    role = forms.ChoiceField(choices=Role.choices, widget=forms.RadioSelect)
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    equality_data_access = forms.BooleanField(
        label="May see person-level equality monitoring data",
        required=False,
        help_text="Special category data: give this only to people who need it for their work",
    )


class SwitchForm(core_forms.Form):
    organisation = forms.IntegerField()


def changes(form):
    """The form's answers without the revision it was opened at."""
    return {name: value for name, value in form.cleaned_data.items() if name != "revision"}
