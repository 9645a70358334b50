"""Forms for the engagement pages. Every choice of a related record is limited to the organisation
the record belongs to, so another organisation's ids are refused as invalid choices.

Forms only validate; views hand cleaned_data to services.py, which does the writing.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from involve.core import forms as core_forms
from involve.core.forms import NHSDateField
from involve.organisations.models import Organisation, User

from . import selectors, services
from .models import (
    Activity,
    AudienceTag,
    Decision,
    ImprovementObjective,
    LadderLevel,
    LegalDuty,
    Method,
    Milestone,
    Programme,
    TermsOfEngagement,
    VCSEPartner,
)

TEXTAREA = forms.Textarea(attrs={"rows": 4})


def audience_choices(organisation, selected=None):
    """National audiences and the organisation's own; retired ones only if already chosen."""
    tags = AudienceTag.objects.filter(Q(organisation=None) | Q(organisation=organisation))
    keep = Q(active=True)
    if selected is not None:
        keep |= Q(pk__in=selected.values("pk"))
    return tags.filter(keep).order_by("name")


class _OrganisationForm(core_forms.ModelForm):
    """A model form for a record of `organisation`: the instance is built for it when new."""

    def __init__(self, *args, organisation, **kwargs):
        kwargs.setdefault("instance", self._meta.model(organisation=organisation))
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def changes(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ProgrammeForm(_OrganisationForm):
    class Meta:
        model = Programme
        fields = services.PROGRAMME_FIELDS
        widgets = {"description": TEXTAREA}


class ObjectiveForm(_OrganisationForm):
    target_date = NHSDateField(label="Target date", required=False)

    class Meta:
        model = ImprovementObjective
        fields = services.OBJECTIVE_FIELDS
        widgets = {"description": TEXTAREA, "status": forms.RadioSelect}
        labels = {"owner": "Owner", "owner_name": "Or a named owner who does not use Involve"}
        help_texts = {"owner_name": "For example a team, a post or a partner organisation"}

    def __init__(self, *args, programme=None, **kwargs):
        super().__init__(*args, **kwargs)
        if programme is not None:
            self.instance.programme = programme
        self.fields["owner"].queryset = User.objects.filter(memberships__organisation=self.organisation).distinct()
        self.fields["owner"].empty_label = "No one yet"

    def clean(self):
        data = super().clean()
        if data.get("owner") and data.get("owner_name"):
            self.add_error("owner_name", "Choose a person or give a named owner, not both")
        return data


class MilestoneForm(_OrganisationForm):
    due_date = NHSDateField(label="Due date")
    done_date = NHSDateField(label="Date it was done", required=False)

    class Meta:
        model = Milestone
        fields = services.MILESTONE_FIELDS

    def __init__(self, *args, objective=None, **kwargs):
        super().__init__(*args, **kwargs)
        if objective is not None:
            self.instance.objective = objective


class DecisionForm(_OrganisationForm):
    planned_date = NHSDateField(label="Planned decision date", required=False)
    actual_date = NHSDateField(
        label="Date the decision was taken",
        required=False,
        help_text="Leave this empty until the decision has been taken",
    )

    class Meta:
        model = Decision
        fields = services.DECISION_FIELDS + services.DECISION_M2M
        widgets = {
            "summary": TEXTAREA,
            "kind": forms.RadioSelect,
            "affected_organisations": forms.CheckboxSelectMultiple,
        }
        labels = {"decision_maker": "Decision-maker", "kind": "Type of decision"}
        help_texts = {
            "affected_organisations": "They can read the decision, its activities and its cover sheet, but not "
            "change them"
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.filter(organisation=self.organisation)
        self.fields["programme"].empty_label = "Not part of a programme"
        chosen = self.instance.affected_organisations.all() if self.instance.pk else None
        self.fields["affected_organisations"].queryset = neighbours(self.organisation, chosen)

    def changes(self):
        return {name: self.cleaned_data[name] for name in services.DECISION_FIELDS}

    def m2m(self):
        return {name: list(self.cleaned_data[name]) for name in services.DECISION_M2M}


def neighbours(organisation, chosen=None):
    """The organisations a decision may affect, offered on its form: the one above, those beside it and
    those below it (a trust whose service moves, a neighbouring ICB), plus any already chosen."""
    near = Q(children=organisation) | Q(parent=organisation)
    if organisation.parent_id:
        near |= Q(parent_id=organisation.parent_id)
    if chosen is not None:
        near |= Q(pk__in=chosen.values("pk"))
    return Organisation.objects.filter(near).exclude(pk=organisation.pk).distinct().order_by("name")


class ScreeningForm(core_forms.ModelForm):
    """The duty-to-involve assessment. Only duties in force on the decision's date are offered."""

    plan_methods = forms.MultipleChoiceField(
        label="Methods planned",
        choices=Method.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    scrutiny_consulted_on = NHSDateField(
        label="Scrutiny committee consulted on", required=False, help_text="Leave this empty until it has happened"
    )
    plan_starts = NHSDateField(label="Involvement starts", required=False)
    plan_ends = NHSDateField(label="Involvement ends", required=False)

    class Meta:
        model = Decision
        fields = services.SCREENING_FIELDS + services.SCREENING_M2M
        widgets = {
            "affects_services": forms.RadioSelect,
            "substantial_variation": forms.RadioSelect,
            "duty_status": forms.RadioSelect,
            "duties": forms.CheckboxSelectMultiple,
            "plan_audiences": forms.CheckboxSelectMultiple,
            "affects_rationale": TEXTAREA,
            "health_inequalities": TEXTAREA,
            "plan_notes": TEXTAREA,
            "feedback_changes": TEXTAREA,
        }
        labels = {
            "affects_services": "Would it affect how services are delivered, or the range of services?",
            "affects_rationale": "Reasons for your answer",
            "duties": "Duties that apply",
            "substantial_variation": "Is it a substantial development or variation of services?",
            "plan_audiences": "Audiences to involve",
            "duty_status": "Where has the decision got to?",
        }
        help_texts = {
            "duties": "Only duties that apply to your organisation on the date of the decision are shown",
            "plan_audiences": "Include seldom-heard and inclusion health groups the decision affects",
            "plan_notes": "Methods, dates and how people will be reached",
            "eia_reference": "For example its document number or title",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        decision = self.instance
        # Duties already linked stay on the form even if no longer in force on the decision's date (its
        # date moved, or the law changed), so that they are not dropped without a word; clean_duties asks
        # for them to be unticked.
        in_force = selectors.duties_for(decision.organisation, decision.decision_date)
        self.duty_ids_in_force = set(in_force.values_list("pk", flat=True))
        linked = set(decision.duties.values_list("pk", flat=True)) if decision.pk else set()
        self.fields["duties"].queryset = LegalDuty.objects.filter(pk__in=self.duty_ids_in_force | linked)
        self.fields["duties"].label_from_instance = self._duty_label
        self.fields["plan_audiences"].queryset = audience_choices(decision.organisation, decision.plan_audiences.all())

    def _duty_label(self, duty):
        if duty.pk in self.duty_ids_in_force:
            return f"{duty.code}: {duty.title}"
        return f"{duty.code}: {duty.title} (not in force for this decision)"

    def clean_duties(self):
        duties = self.cleaned_data["duties"]
        stale = [d.code for d in duties if d.pk not in self.duty_ids_in_force]
        if stale:
            raise ValidationError(
                f"{' and '.join(stale)} {'does' if len(stale) == 1 else 'do'} not apply to your organisation "
                f"on the date of the decision. Untick {'it' if len(stale) == 1 else 'them'}, or change the "
                "decision's date"
            )
        return duties

    def assessment(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ActivityForm(_OrganisationForm):
    starts_on = NHSDateField(label="Start date")
    ends_on = NHSDateField(label="End date", required=False, help_text="Leave empty for a single-day activity")

    class Meta:
        model = Activity
        # The order people answer in: what and when, who it aimed at, then what happened.
        fields = [
            "title",
            "description",
            "programme",
            "decisions",
            "method",
            "ladder_level",
            "state",
            "starts_on",
            "ends_on",
            "location",
            "online",
            "partners",
            "public_partners",
            "public_partner_roles",
            "audiences_targeted",
            "expected_participants",
            "audiences_reached",
            "participants",
            "responses",
            "cost",
            "outputs",
        ]
        widgets = {
            "state": forms.RadioSelect,
            "description": TEXTAREA,
            "public_partner_roles": TEXTAREA,
            "outputs": TEXTAREA,
            "ladder_level": forms.RadioSelect,
            "decisions": forms.CheckboxSelectMultiple,
            "partners": forms.CheckboxSelectMultiple,
            "audiences_targeted": forms.CheckboxSelectMultiple,
            "audiences_reached": forms.CheckboxSelectMultiple,
        }
        labels = {
            "decisions": "Decisions it informed",
            "partners": "Partners who took part",
            "audiences_targeted": "Audiences it aimed to reach",
            "audiences_reached": "Audiences it reached",
            "ladder_level": "Level of participation",
            "state": "Has it taken place?",
        }
        help_texts = {
            "partners": "VCSE organisations and local Healthwatch, from your partner register",
            "state": "Who took part, responses and outputs can be recorded once it has taken place",
            "audiences_reached": "Only once it has taken place",
            "participants": "Only once it has taken place",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        org = self.organisation
        self.fields["programme"].queryset = Programme.objects.filter(organisation=org)
        self.fields["programme"].empty_label = "Not part of a programme"
        self.fields["decisions"].queryset = Decision.objects.filter(organisation=org).order_by("title")
        self.fields["partners"].queryset = VCSEPartner.objects.filter(organisation=org)
        activity = self.instance
        for name in ("audiences_targeted", "audiences_reached"):
            chosen = getattr(activity, name).all() if activity.pk else None
            self.fields[name].queryset = audience_choices(org, chosen)
        self.fields["method"].choices = [("", "Choose a method")] + list(Method.choices)

    def m2m(self):
        return {
            name: list(self.cleaned_data[name])
            for name in ("decisions", "partners", "audiences_targeted", "audiences_reached")
        }

    def changes(self):
        fields = [f for f in self.Meta.fields if f not in self.m2m()]
        return {name: self.cleaned_data[name] for name in fields}


class FeedbackForm(core_forms.ModelForm):
    feedback_given_on = NHSDateField(label="When was it given?")

    class Meta:
        model = Activity
        fields = services.FEEDBACK_FIELDS
        widgets = {"feedback_what": forms.Textarea(attrs={"rows": 6})}
        labels = {"feedback_what": "What were participants told?", "feedback_how": "How was it given?"}
        help_texts = {
            "feedback_what": "What was heard, what changed as a result, and what happens next",
            "feedback_how": "For example a 'you said, we did' page, an email to participants or a meeting",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.Meta.fields:
            self.fields[name].required = True

    def changes(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class PartnerForm(_OrganisationForm):
    website = forms.URLField(
        required=False, max_length=500, assume_scheme="https", validators=[core_forms.no_bidi_controls]
    )

    class Meta:
        model = VCSEPartner
        fields = services.PARTNER_FIELDS
        widgets = {"description": TEXTAREA, "kind": forms.RadioSelect}


class TermsForm(_OrganisationForm):
    agreed_on = NHSDateField(label="Agreed on")
    review_on = NHSDateField(label="Review due", required=False)
    document_url = forms.URLField(
        label="Link to the document",
        required=False,
        max_length=500,
        assume_scheme="https",
        validators=[core_forms.no_bidi_controls],
    )

    class Meta:
        model = TermsOfEngagement
        fields = services.TERMS_FIELDS
        widgets = {"summary": TEXTAREA}

    def __init__(self, *args, partner=None, **kwargs):
        super().__init__(*args, **kwargs)
        if partner is not None:
            self.instance.partner = partner


class AudienceTagForm(_OrganisationForm):
    class Meta:
        model = AudienceTag
        fields = services.AUDIENCE_TAG_FIELDS
        labels = {"active": "Offer this audience on new activities"}


# Filters on the list pages. They are GET forms: a value that does not validate is ignored.


class _FilterForm(core_forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)

    def __init__(self, data, *, access, **kwargs):
        super().__init__(data, **kwargs)
        self.access = access
        if "organisation" in self.fields:
            self.fields["organisation"].queryset = access.readable_organisations.order_by("path")

    def value(self, name):
        """The cleaned value of a filter, or None if it was empty or invalid."""
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name) or None

    def values(self):
        """Every filter's cleaned value by name (invalid ones left out), for the list selectors."""
        return {name: value for name in self.fields if (value := self.value(name)) is not None}


def _programme_field():
    return forms.ModelChoiceField(
        queryset=Programme.objects.none(),
        required=False,
        empty_label="Any programme",
        help_text="Programmes of the organisation chosen above, or of your own if none is chosen",
    )


def _organisation_field():
    return forms.ModelChoiceField(queryset=None, required=False, empty_label="Any organisation")


class DecisionFilterForm(_FilterForm):
    organisation = _organisation_field()
    programme = _programme_field()
    duty_status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status")] + list(Decision.DutyStatus.choices)
    )
    kind = forms.ChoiceField(label="Type", required=False, choices=[("", "Any type")] + list(Decision.Kind.choices))
    warning = forms.ChoiceField(
        label="Warnings",
        required=False,
        choices=[
            ("", "With or without warnings"),
            ("any", "Any warning"),
        ]
        + [(w.code, w.label) for w in selectors.WARNINGS],
    )
    date_from = NHSDateField(label="Decision date from", required=False)
    date_to = NHSDateField(label="Decision date to", required=False)
    audience = forms.ModelChoiceField(
        label="Audience reached",
        queryset=AudienceTag.objects.none(),
        required=False,
        empty_label="Any audience",
        help_text="By the activities that informed it",
    )
    partner = forms.ModelChoiceField(
        label="Partner",
        queryset=VCSEPartner.objects.none(),
        required=False,
        empty_label="Any partner",
        help_text="Who took part in the activities that informed it",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes_for_filter(self.access, self.data)
        self.fields["programme"].label_from_instance = _programme_label
        _reach_fields(self)


class ActivityFilterForm(_FilterForm):
    organisation = _organisation_field()
    programme = _programme_field()
    method = forms.ChoiceField(required=False, choices=[("", "Any method")] + list(Method.choices))
    ladder_level = forms.ChoiceField(
        label="Level of participation",
        required=False,
        choices=[("", "Any level")] + list(LadderLevel.choices),
    )
    feedback = forms.ChoiceField(
        label="Feedback to participants",
        required=False,
        choices=[
            ("", "Given or not"),
            ("given", "Given"),
            ("missing", "Done, feedback not recorded yet"),
        ],
    )
    date_from = NHSDateField(label="Started on or after", required=False)
    date_to = NHSDateField(label="Started on or before", required=False)
    state = forms.ChoiceField(
        label="Has it taken place?", required=False, choices=[("", "Any state")] + list(Activity.State.choices)
    )
    audience = forms.ModelChoiceField(
        label="Audience reached", queryset=AudienceTag.objects.none(), required=False, empty_label="Any audience"
    )
    partner = forms.ModelChoiceField(
        label="Partner", queryset=VCSEPartner.objects.none(), required=False, empty_label="Any partner"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes_for_filter(self.access, self.data)
        self.fields["programme"].label_from_instance = _programme_label
        _reach_fields(self)


class ProgrammeFilterForm(_FilterForm):
    organisation = _organisation_field()


class PartnerFilterForm(_FilterForm):
    organisation = _organisation_field()
    kind = forms.ChoiceField(label="Type", required=False, choices=[("", "Any type")] + list(VCSEPartner.Kind.choices))


def programmes_for_filter(access, data):
    """The programme filter offers the programmes of the organisation chosen in the filter, else of the
    person's own organisation (plus a programme asked for in the address, so links keep working): a
    region or the country reads over a thousand programmes, too many for one list or one page."""
    chosen = data.get("organisation", "")
    requested = data.get("programme", "")
    show = Q(organisation_id=int(chosen)) if _is_id(chosen) else Q(organisation=access.organisation)
    if _is_id(requested):
        show |= Q(pk=int(requested))
    return (
        access.scope(Programme.objects.filter(show))
        .select_related("organisation")
        .order_by("name", "organisation__name")
    )


def _is_id(text):
    # isdigit() is true for "²", which int() refuses; and a 20-digit number overflows SQLite's integers.
    return text.isascii() and text.isdecimal() and len(text) < 12


def partners_for_filter(access, data):
    """Like the programme filter: the partners of the organisation chosen, else of the person's own."""
    chosen, requested = data.get("organisation", ""), data.get("partner", "")
    show = Q(organisation_id=int(chosen)) if _is_id(chosen) else Q(organisation=access.organisation)
    if _is_id(requested):
        show |= Q(pk=int(requested))
    return access.scope(VCSEPartner.objects.filter(show)).select_related("organisation").order_by("name")


def audiences_for_filter(access, data):
    """National audiences and those of the organisation chosen, else of the person's own."""
    chosen = data.get("organisation", "")
    own = Q(organisation_id=int(chosen)) if _is_id(chosen) else Q(organisation=access.organisation)
    return AudienceTag.objects.filter(Q(organisation=None) | own).order_by("name")


def _reach_fields(form):
    form.fields["audience"].queryset = audiences_for_filter(form.access, form.data)
    form.fields["partner"].queryset = partners_for_filter(form.access, form.data)


def _programme_label(programme):
    return f"{programme.name} ({programme.organisation.name})"
