"""Forms of the insight area: reviewing one comment, handling a safeguarding flag, adding a reviewer.
Each round-trips: sent back unchanged, it changes nothing."""

from django import forms

from involve.core import forms as core_forms

from .models import Comment, Label, SafeguardingFlag

UNDECIDED = "undecided"
DECISIONS = [
    (UNDECIDED, "Not decided yet"),
    (Label.Decision.ACCEPTED, "Applies (accept)"),
    (Label.Decision.REJECTED, "Does not apply (reject)"),
]


class ReviewForm(core_forms.Form):
    """One comment's labels (accept or reject each), a theme to add, its sentiment, and whether it is reviewed."""

    add_theme = forms.ChoiceField(label="Add a theme", required=False)
    sentiment3 = forms.ChoiceField(
        label="Sentiment", required=False, widget=forms.RadioSelect, choices=Comment.Sentiment3.choices
    )
    reviewed = forms.BooleanField(
        label="I have reviewed this comment's themes and sentiment",
        required=False,
        help_text="Reviewed comments leave the queue and can be used to retrain the model",
    )
    seen = forms.CharField(
        widget=forms.HiddenInput,
        max_length=100,
        error_messages={"required": "This page is out of date: open the comment again and review it"},
    )

    def __init__(self, data=None, *, comment, labels, themes, seen, **kwargs):
        self.comment, self.labels = comment, labels
        self.themes = {str(t.pk): t for t in themes}
        initial = {
            "sentiment3": comment.sentiment3,
            "reviewed": comment.review == Comment.Review.REVIEWED,
            "seen": seen,
            "add_theme": "",
        }
        super().__init__(data, initial=initial, **kwargs)
        labelled = {label.theme_id for label in labels}
        self.fields["add_theme"].choices = [("", "No theme to add")] + [
            (str(t.pk), f"{t.category.name}: {t.name}") for t in themes if t.pk not in labelled
        ]
        for label in labels:
            self.fields[f"label_{label.pk}"] = forms.ChoiceField(
                label=f"Does ‘{label.theme.name}’ apply?",
                required=False,
                widget=forms.RadioSelect,
                choices=DECISIONS,
                initial=label.decision or UNDECIDED,
            )
        core_forms.humanise_errors(self)

    def label_fields(self):
        return [(label, self[f"label_{label.pk}"]) for label in self.labels]

    def decisions(self):
        result = {}
        for label in self.labels:
            value = self.cleaned_data.get(f"label_{label.pk}") or ""
            if value:  # a group left with nothing ticked keeps what is stored
                result[label.pk] = "" if value == UNDECIDED else value
        return result

    def theme_to_add(self):
        return self.themes.get(self.cleaned_data.get("add_theme") or "")

    def sentiment(self):
        return self.cleaned_data.get("sentiment3") or None


HANDLING = [
    (SafeguardingFlag.State.REFERRED, "Referred (to the safeguarding team, the police or another service)"),
    (SafeguardingFlag.State.REVIEWED, "Reviewed and handled here"),
    (SafeguardingFlag.State.NO_ACTION, "Reviewed: no action needed"),
]


class HandleFlagForm(core_forms.Form):
    state = forms.ChoiceField(label="How was this handled?", widget=forms.RadioSelect, choices=HANDLING)
    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Who it was referred to and when, or why no action is needed. Do not copy the comment here",
    )
    seen = forms.CharField(
        widget=forms.HiddenInput,
        max_length=100,
        error_messages={"required": "This page is out of date: open the flag again"},
    )

    def __init__(self, data=None, *, flag, seen, **kwargs):
        initial = {"seen": seen}
        if flag.state != SafeguardingFlag.State.OPEN:
            initial |= {"state": flag.state, "reason": flag.handling_reason}
        super().__init__(data, initial=initial, **kwargs)


class AddReviewerForm(core_forms.Form):
    user = forms.ChoiceField(label="Member of the organisation")

    def __init__(self, data=None, *, members, **kwargs):
        super().__init__(data, **kwargs)
        self.members = {str(m.pk): m for m in members}
        self.fields["user"].choices = [
            ("", "Choose a member"),
            *[(str(m.pk), f"{m.get_full_name() or m.email} ({m.email})") for m in members],
        ]

    def chosen(self):
        return self.members.get(self.cleaned_data["user"])
