from django import forms

from involve.core.forms import NHSDateField


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(required=False, label="Action")
    actor = forms.CharField(required=False, label="Person (email contains)", max_length=254)
    target_type = forms.ChoiceField(required=False, label="Record type")
    date_from = NHSDateField(required=False, label="From")
    date_to = NHSDateField(required=False, label="To")

    def __init__(self, *args, actions, target_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any action")] + [(a, a) for a in actions]
        self.fields["target_type"].choices = [("", "Any record type")] + [(t, t) for t in target_types if t]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "The end date must be on or after the start date")
        return data
