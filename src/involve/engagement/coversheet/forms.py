"""The board paper details form: what the front of the cover sheet says about the meeting.

A model form like those in engagement/forms.py (core.forms.ModelForm, so it carries the revision it
was opened at; NHSDateField for the date, radios for the purpose, text areas for the longer answers),
with error messages written for people: "Enter the board or
committee", "Agenda item must be 20 characters or fewer". It only validates; the view hands
changes() to services.board_paper_save().
"""

from django import forms

from involve.core import forms as core_forms
from involve.core.forms import NHSDateField

from ..models import BoardPaper
from .services import BOARD_PAPER_FIELDS, LABELS, REQUIRED, max_length, too_long


class BoardPaperForm(core_forms.ModelForm):
    meeting_on = NHSDateField(label=LABELS["meeting_on"], required=False, help_text="For example, 15 3 2025")

    class Meta:
        model = BoardPaper
        fields = BOARD_PAPER_FIELDS
        labels = {**LABELS, "purpose": "What is the paper for?"}
        widgets = {
            "purpose": forms.RadioSelect,
            "recommendation": forms.Textarea(attrs={"rows": 4}),
            "what_people_said": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "meeting": "For example, ICB Board or Quality and Performance Committee",
            "agenda_item": "For example, 7.2",
            "paper_reference": "The reference the board secretary gave the paper, for example ICB/25/031",
            "author": "Name and job title",
            "lead_director": "Name and job title of the director who leads on the paper",
            "recommendation": "What the board or committee is asked to do, for example Approve the move "
            "of the minor injuries unit to Station Road",
            "what_people_said": "A short summary for the front of the paper. The section on how the duty "
            "to involve was considered is built from the record below it.",
        }
        error_messages = {
            name: {
                **({"required": REQUIRED[name]} if name in REQUIRED else {}),
                **({"max_length": too_long(name)} if max_length(name) else {}),
                **({"invalid_choice": REQUIRED[name]} if name == "purpose" else {}),
            }
            for name in BOARD_PAPER_FIELDS
            if name != "meeting_on"
        }

    def changes(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
