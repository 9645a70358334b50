from django import forms

from involve.core import forms as core_forms
from involve.core.forms import NHSDateField

from . import presenters, registry


class AuditFilterForm(core_forms.Form):
    action = forms.ChoiceField(required=False, label="What happened")
    actor = forms.CharField(required=False, label="Person (email contains)", max_length=254)
    target_type = forms.ChoiceField(required=False, label="Type of record")
    date_from = NHSDateField(required=False, label="From")
    date_to = NHSDateField(required=False, label="To")

    def __init__(self, *args, actions, target_types, **kwargs):
        super().__init__(*args, **kwargs)
        # The options are the plain phrases from each app's audit_actions.py; the values stay the codes.
        action_choices = sorted(((a, registry.choice_label(a)) for a in actions if a), key=lambda c: c[1].lower())
        self.fields["action"].choices = [("", "Anything")] + action_choices
        type_choices = sorted(
            ((t, presenters.capital(presenters.record_type(t))) for t in target_types if t), key=lambda c: c[1].lower()
        )
        self.fields["target_type"].choices = [("", "Any type of record")] + type_choices

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "The end date must be on or after the start date")
        return data
