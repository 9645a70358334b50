"""Forms of the insight pages: the filters (GET), the two periods to compare, the equality
characteristic, and the small campaign and quote actions (POST)."""

from django import forms

from involve.consultations.models import Consultation
from involve.core import forms as core_forms
from involve.core.forms import NHSDateField
from involve.engagement.models import Programme

from . import selectors
from .models import Comment, DuplicateGroup

ANY = [("", "Any")]


class FilterForm(core_forms.Form):
    """The filters every insight page shares, sent by GET (so a filtered page can be bookmarked)."""

    organisation = forms.TypedChoiceField(label="Organisation", required=False, coerce=int, empty_value=None)
    programme = forms.TypedChoiceField(label="Programme", required=False, coerce=int, empty_value=None)
    consultation = forms.TypedChoiceField(label="Consultation or survey", required=False, coerce=int, empty_value=None)
    service = forms.ChoiceField(label="Service", required=False)
    question = forms.ChoiceField(label="Question", required=False)
    source = forms.ChoiceField(label="Where it came from", required=False)
    sentiment = forms.ChoiceField(label="Sentiment", required=False)
    date_from = NHSDateField(label="Received on or after", required=False)
    date_to = NHSDateField(label="Received on or before", required=False)
    count_by = forms.ChoiceField(
        label="How to count", choices=selectors.COUNT_CHOICES, required=False, widget=forms.RadioSelect
    )

    PERIOD_FIELDS = ("date_from", "date_to")

    def __init__(self, data, *, access, **kwargs):
        super().__init__(data, **kwargs)
        organisations = access.readable_organisations.order_by("name").values_list("pk", "name")
        self.fields["organisation"].choices = ANY + [(pk, name) for pk, name in organisations]
        programmes = access.scope(Programme.objects.all()).order_by("name").values_list("pk", "name")
        self.fields["programme"].choices = ANY + list(programmes)
        consultations = access.scope(Consultation.objects.all()).order_by("title").values_list("pk", "title")
        self.fields["consultation"].choices = ANY + list(consultations)
        scoped = access.scope(Comment.objects.all())
        services = scoped.exclude(service="").order_by("service").values_list("service", flat=True).distinct()[:500]
        self.fields["service"].choices = ANY + [(s, s) for s in services]
        questions = scoped.exclude(question="").order_by("question").values_list("question", flat=True).distinct()[:500]
        self.fields["question"].choices = ANY + [(q, q) for q in questions]
        self.fields["source"].choices = ANY + list(Comment.Source.choices)
        self.fields["sentiment"].choices = ANY + list(Comment.Sentiment3.choices)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be the same as or after the start date")
        return data

    def filters(self) -> selectors.Filters:
        """The chosen filters; any that are not valid are left out (the page shows their errors)."""
        if not self.is_bound:
            return selectors.Filters()
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return selectors.Filters(
            organisation=data.get("organisation"),
            programme=data.get("programme"),
            consultation=data.get("consultation"),
            service=data.get("service") or "",
            question=data.get("question") or "",
            source=data.get("source") or "",
            sentiment=data.get("sentiment") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            count_by=data.get("count_by") or selectors.BY_COMMENT,
        )


class CompareForm(core_forms.Form):
    """The two periods to compare (both ends of each required once the form is sent)."""

    first_from = NHSDateField(label="First period: from")
    first_to = NHSDateField(label="First period: to")
    second_from = NHSDateField(label="Second period: from")
    second_to = NHSDateField(label="Second period: to")

    def clean(self):
        data = super().clean()
        for period in ("first", "second"):
            start, end = data.get(f"{period}_from"), data.get(f"{period}_to")
            if start and end and start > end:
                self.add_error(f"{period}_to", "The end of the period must be the same as or after its start")
        return data

    def periods(self):
        d = self.cleaned_data
        return (d["first_from"], d["first_to"]), (d["second_from"], d["second_to"])


class EqualityForm(core_forms.Form):
    characteristic = forms.ChoiceField(label="Equality characteristic")

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        from involve.consultations.analysis import equality_dimensions

        self.dimensions = {d.key: d for d in equality_dimensions()}
        self.fields["characteristic"].choices = [("", "Choose a characteristic")] + [
            (key, d.label) for key, d in self.dimensions.items()
        ]

    def dimension(self):
        return self.dimensions[self.cleaned_data["characteristic"]]


class SearchForm(core_forms.Form):
    q = forms.CharField(label="Words in the comment", required=False, max_length=200)


class GroupFilterForm(core_forms.Form):
    kind = forms.ChoiceField(label="Kind", required=False, choices=ANY + list(DuplicateGroup.Kind.choices))
    campaign = forms.ChoiceField(
        label="Campaign",
        required=False,
        choices=ANY + [("yes", "Marked as a campaign"), ("no", "Not marked as a campaign")],
    )


class CampaignForm(core_forms.Form):
    is_campaign = forms.TypedChoiceField(
        label="Is this an organised campaign?",
        choices=[("yes", "Yes, an organised campaign"), ("no", "No, not a campaign")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether this is an organised campaign"},
    )
