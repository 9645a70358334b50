"""Forms for building consultations and reading their responses. Choices of related records are
limited to the consultation's own organisation (another organisation's ids are invalid choices).

Forms only validate what one form can see; services.py holds every rule and does the writing.
Opening and closing times are a date (the NHS date input) and a time box, in Europe/London time.
"""

import datetime
import re
import zoneinfo

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from involve.core import forms as core_forms
from involve.core.forms import NHSDateField
from involve.engagement.models import LONG_TEXT, SHORT_TEXT, Activity, Decision, Evidence

from . import scales
from .models import Consultation, Question, Response
from .services import CONDITION_KINDS, code_label, ordered_questions

TEXTAREA = forms.Textarea(attrs={"rows": 4})
LONDON = zoneinfo.ZoneInfo(settings.TIME_ZONE)
SLUG_INVALID = "The web address must use only letters, numbers and hyphens, like elm-street-clinic"
_TIME = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s*([ap]\.?m\.?)?", re.IGNORECASE)


def parse_time(text):
    """A time typed as 9:30, 09:30, 21.00, 9am or 9:30pm; None if it is not one."""
    match = _TIME.fullmatch((text or "").strip())
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), (match.group(3) or "").lower()
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    if hour > 23 or minute > 59:
        return None
    return datetime.time(hour, minute)


def london(day, time):
    """The moment `day` at `time` in Europe/London, or None if the clocks skip that time that day."""
    moment = datetime.datetime.combine(day, time, tzinfo=LONDON)
    # 01:30 on the last Sunday of March does not happen in London: it comes back from UTC as 02:30.
    if moment.astimezone(datetime.UTC).astimezone(LONDON).replace(tzinfo=None) != moment.replace(tzinfo=None):
        return None
    return moment


def split(moment):
    """(date, "HH:MM") of a stored moment, in Europe/London."""
    if moment is None:
        return None, ""
    local = timezone.localtime(moment, LONDON)
    return local.date(), f"{local:%H:%M}"


def _time_field(label):
    return forms.CharField(
        label=label, required=False, max_length=10, help_text="For example, 09:00 or 17:30 (UK time)"
    )


class _MomentMixin:
    """Pairs of a date field `<name>_on` and a time field `<name>_time` for the model's `<name>_at`."""

    moments = ()  # (name, "opens", default time shown on a new form)

    def _moment_initial(self, instance):
        for name, default in self.moments:
            day, time = split(getattr(instance, f"{name}_at", None))
            self.initial.setdefault(f"{name}_on", day)
            self.initial.setdefault(f"{name}_time", time or default)

    def _clean_moments(self, instance=None, *, required=False):
        data = self.cleaned_data
        for name, _ in self.moments:
            day, text = data.get(f"{name}_on"), (data.get(f"{name}_time") or "").strip()
            if f"{name}_on" in self.errors or f"{name}_time" in self.errors:
                continue
            if day is None:
                if required:
                    self.add_error(f"{name}_on", f"Enter the date it {'opens' if name == 'opens' else 'closes'}")
                data[f"{name}_at"] = None
                continue
            time = parse_time(text)
            if time is None:
                self.add_error(
                    f"{name}_time",
                    "Enter a time like 09:00 or 17:30" if text else "Enter the time, like 09:00 or 17:30",
                )
                continue
            moment = london(day, time)
            if moment is None:
                self.add_error(f"{name}_time", "That time does not happen on that day: the clocks go forward at 1am")
                continue
            stored = getattr(instance, f"{name}_at", None) if instance is not None else None
            # Shown to the minute: a form saved unchanged keeps the stored seconds.
            if stored is not None and stored.replace(second=0, microsecond=0) == moment:
                moment = stored
            data[f"{name}_at"] = moment
        return data


class ConsultationForm(_MomentMixin, core_forms.ModelForm):
    opens_on = NHSDateField(label="Opening date", required=False)
    opens_time = _time_field("Opening time")
    closes_on = NHSDateField(label="Closing date", required=False)
    closes_time = _time_field("Closing time")
    slug = forms.SlugField(
        label="Web address",
        required=False,
        max_length=80,
        help_text="The end of its public address, like elm-street-clinic. Leave it empty to make one from the title",
        error_messages={"invalid": SLUG_INVALID},
    )
    suppression_threshold = forms.IntegerField(
        label="Smallest number shown in cross-tabulations and charts",
        min_value=1,
        max_value=1000,
        help_text="Counts below it show as * so that nobody can be picked out. Usually 5",
    )
    moments = (("opens", "09:00"), ("closes", "23:59"))

    class Meta:
        model = Consultation
        fields = [
            "title",
            "kind",
            "slug",
            "summary",
            "background",
            "other_ways",
            "contact_email",
            "contact_phone",
            "opens_on",
            "opens_time",
            "closes_on",
            "closes_time",
            "paging",
            "privacy_notice",
            "ask_equality",
            "activity",
            "decisions",
            "documents",
            "suppression_threshold",
        ]
        widgets = {
            "kind": forms.RadioSelect,
            "paging": forms.RadioSelect,
            "summary": TEXTAREA,
            "background": forms.Textarea(attrs={"rows": 8}),
            "other_ways": TEXTAREA,
            "privacy_notice": forms.Textarea(attrs={"rows": 6}),
            "decisions": forms.CheckboxSelectMultiple,
            "documents": forms.CheckboxSelectMultiple,
        }
        labels = {
            "kind": "Type",
            "summary": "Summary",
            "background": "Background",
            "contact_email": "Contact email address",
            "contact_phone": "Contact phone number",
            "paging": "How the questions are set out",
            "privacy_notice": "Privacy notice",
            "ask_equality": "Ask the equality monitoring questions",
            "activity": "Engagement activity",
            "decisions": "Decisions it informs",
            "documents": "Background documents on the public page",
        }
        help_texts = {
            "summary": "A few sentences people see first, in plain language",
            "background": "What is proposed and why, and what people may want to read first",
            "other_ways": "Paper copies, easy read, other languages, phone or face to face",
            "privacy_notice": "Shown to people before they answer, in plain language",
            "ask_equality": "Optional for people, kept apart from their answers, reported only as totals",
            "activity": "Its responses count as this activity's reach",
            "documents": "Chosen from the evidence of your activities and decisions. Only the ones you tick are "
            "shown to the public, so choose papers written for the public, not meeting notes",
        }

    def __init__(self, *args, organisation, **kwargs):
        kwargs.setdefault("instance", Consultation(organisation=organisation))
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self._moment_initial(self.instance)
        self.fields["activity"].queryset = Activity.objects.filter(organisation=organisation).order_by("title")
        self.fields["activity"].empty_label = "Not linked to an activity"
        self.fields["decisions"].queryset = Decision.objects.filter(organisation=organisation).order_by("title")
        self.fields["decisions"].required = False
        self.fields["documents"].queryset = Evidence.objects.filter(organisation=organisation).order_by("title", "pk")
        self.fields["documents"].required = False

    def clean_slug(self):
        return (self.cleaned_data.get("slug") or "").lower()

    def clean(self):
        data = super().clean()
        self._clean_moments(self.instance if self.instance.pk else None)
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_on", "The closing date and time must be after the opening date and time")
        return data

    def changes(self):
        m2m = ("decisions", "documents")
        names = [n for n in self.Meta.fields if n not in m2m and not n.endswith(("_on", "_time"))]
        return {
            **{n: self.cleaned_data[n] for n in names},
            "opens_at": self.cleaned_data.get("opens_at"),
            "closes_at": self.cleaned_data.get("closes_at"),
        }

    def m2m(self):
        return {"decisions": list(self.cleaned_data["decisions"]), "documents": list(self.cleaned_data["documents"])}


class CopyForm(core_forms.Form):
    title = forms.CharField(label="Title of the new consultation", max_length=200)
    slug = forms.SlugField(
        label="Web address",
        required=False,
        max_length=80,
        help_text="Leave it empty to make one from the title",
        error_messages={"invalid": SLUG_INVALID},
    )

    def clean_slug(self):
        return (self.cleaned_data.get("slug") or "").lower()


class ReopenForm(_MomentMixin, core_forms.Form):
    closes_on = NHSDateField(label="New closing date")
    closes_time = _time_field("New closing time")
    moments = (("closes", "23:59"),)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("closes_time", "23:59")

    def clean(self):
        data = super().clean()
        self._clean_moments(required=True)
        return data


class ResultsForm(core_forms.ModelForm):
    class Meta:
        model = Consultation
        fields = ["results_summary"]
        widgets = {"results_summary": forms.Textarea(attrs={"rows": 10})}
        labels = {"results_summary": "What we heard and what we did"}
        help_texts = {
            "results_summary": "Published on the consultation's page: the main things people told you, and what "
            "you changed or decided as a result"
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["results_summary"].required = True
        self.fields["results_summary"].error_messages["required"] = "Enter what you heard and what you did"
        self.fields.pop("revision", None)


# Sections and questions


class _ConditionMixin(forms.Form):
    """The condition: an earlier choice question, and the answers to it that show this question or
    section, ticked as "question id:option key" so that one list of ticks offers every candidate's options."""

    condition_question = forms.ChoiceField(
        label="Show it only after an answer to",
        required=False,
        help_text="An earlier question answered by choosing from a list",
    )
    condition_values = forms.MultipleChoiceField(
        label="Answers that show it",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick one or more answers to the question chosen above",
    )


def _condition_fields(form, consultation, itself=None, *, exclude=(), before=None):
    """Offer the choice questions of the consultation, those before `before` (a question) only."""
    questions = ordered_questions(consultation)
    if before is not None:
        questions = questions[: [q.pk for q in questions].index(before.pk)]
    candidates = [q for q in questions if q.kind in CONDITION_KINDS and q.pk not in exclude]
    form.condition_candidates = {q.pk: q for q in candidates}
    form.fields["condition_question"].choices = [("", "Always show it")] + [
        (str(q.pk), f"{code_label(q)}: {q.text}") for q in candidates
    ]
    form.fields["condition_values"].choices = [
        (f"{q.pk}:{o['key']}", f"{code_label(q)}: {o['label']}") for q in candidates for o in q.options
    ]
    if itself is not None and itself.condition_question_id:
        form.initial.setdefault("condition_question", str(itself.condition_question_id))
        form.initial.setdefault(
            "condition_values", [f"{itself.condition_question_id}:{v}" for v in itself.condition_values]
        )


def _clean_condition(form):
    data = form.cleaned_data
    chosen = data.get("condition_question")
    ticked = data.get("condition_values") or []
    question = form.condition_candidates.get(int(chosen)) if chosen else None
    if question is None:
        if ticked and "condition_values" not in form.errors:
            form.add_error("condition_question", "Choose the question whose answer shows it, or untick the answers")
        data["condition_question"], data["condition_values"] = None, []
        return
    keys = []
    for value in ticked:
        pk, _, key = value.partition(":")
        if pk != str(question.pk):
            form.add_error("condition_values", f"Tick only answers to ‘{code_label(question)}’, the question chosen")
            return
        keys.append(key)
    if not keys:
        form.add_error("condition_values", f"Tick the answers to ‘{code_label(question)}’ that show it")
        return
    data["condition_question"], data["condition_values"] = question, keys


class SectionForm(core_forms.Form, _ConditionMixin):
    title = forms.CharField(label="Section title", max_length=200)
    intro = forms.CharField(
        label="Introduction",
        required=False,
        max_length=SHORT_TEXT,
        widget=TEXTAREA,
        help_text="Shown above its questions",
    )
    field_order = ["title", "intro", "condition_question", "condition_values"]

    def __init__(self, *args, consultation, section=None, **kwargs):
        if section is not None:
            kwargs.setdefault("initial", {"title": section.title, "intro": section.intro})
        super().__init__(*args, **kwargs)
        # A section's condition must be answered before the section: not inside it or in a later one.
        later = set()
        if section is not None:
            later = set(
                consultation.questions.filter(
                    Q(section=section)
                    | Q(section__position__gt=section.position)
                    | Q(section__position=section.position, section__pk__gt=section.pk)
                ).values_list("pk", flat=True)
            )
        _condition_fields(self, consultation, itself=section, exclude=later)

    def clean(self):
        data = super().clean()
        _clean_condition(self)
        return data

    def changes(self):
        return {name: self.cleaned_data[name] for name in ("title", "intro", "condition_question", "condition_values")}


def _labels(options):
    return "\n".join(o["label"] for o in options)


class QuestionForm(core_forms.Form, _ConditionMixin):
    kind = forms.ChoiceField(label="Kind of question", choices=Question.Kind.choices, widget=forms.RadioSelect)
    text = forms.CharField(label="Question", max_length=500)
    help_text = forms.CharField(
        label="Hint", required=False, max_length=SHORT_TEXT, widget=TEXTAREA, help_text="Shown under the question"
    )
    required = forms.BooleanField(label="People must answer it", required=False)
    section = forms.ModelChoiceField(label="Section", queryset=None, required=False, empty_label="Not in a section")
    options = forms.CharField(
        label="Options, one on each line",
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="For ‘Choose one’, ‘Choose several’ and ‘Put in order’. For a grid, the points of its scale "
        "(leave it empty for strongly agree to strongly disagree). Scales and the Friends and Family Test "
        "have their own options",
    )
    statements = forms.CharField(
        label="Grid statements, one on each line",
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Only for a grid: each statement is answered on the scale",
    )
    rating_max = forms.IntegerField(
        label="Highest rating", required=False, min_value=2, max_value=10, help_text="Only for a rating: from 2 to 10"
    )
    max_length = forms.IntegerField(
        label="Longest answer, in characters",
        required=False,
        min_value=1,
        max_value=10_000,
        help_text="Only for text answers. Leave it empty for no limit of your own",
    )

    fft_follow_up = forms.BooleanField(
        label=f"For the Friends and Family Test: also ask ‘{scales.FFT_FOLLOW_UP}’",
        required=False,
        initial=True,
        help_text="Added as a free-text question straight after it",
    )
    field_order = [
        "kind",
        "text",
        "help_text",
        "required",
        "section",
        "options",
        "statements",
        "rating_max",
        "max_length",
        "condition_question",
        "condition_values",
    ]

    def __init__(self, *args, consultation, question=None, **kwargs):
        if question is not None:
            own = question.kind in scales.OWN_OPTIONS_KINDS or (
                question.kind == Question.Kind.GRID and question.options != scales.AGREEMENT
            )
            kwargs.setdefault(
                "initial",
                {
                    "kind": question.kind,
                    "text": question.text,
                    "help_text": question.help_text,
                    "required": question.required,
                    "section": question.section_id,
                    "options": _labels(question.options) if own else "",
                    "statements": _labels(question.statements),
                    "rating_max": question.rating_max,
                    "max_length": question.max_length,
                },
            )
        super().__init__(*args, **kwargs)
        if question is not None:
            del self.fields["fft_follow_up"]  # only when adding
        self.fields["section"].queryset = consultation.sections.order_by("position", "pk")
        # A question can depend only on one before it.
        _condition_fields(self, consultation, itself=question, before=question)

    def clean(self):
        data = super().clean()
        _clean_condition(self)
        return data

    def changes(self):
        from .services import option_lines

        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "text": data["text"],
            "help_text": data["help_text"],
            "required": data["required"],
            "section": data["section"],
            "options": option_lines(data["options"]),
            "statements": option_lines(data["statements"]),
            "rating_max": data["rating_max"],
            "max_length": data["max_length"],
            "condition_question": data["condition_question"],
            "condition_values": data["condition_values"],
            **({"fft_follow_up": data["fft_follow_up"]} if "fft_follow_up" in data else {}),
        }


# Filters on the list pages. GET forms: a value that does not validate is ignored.


class _FilterForm(core_forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)

    def __init__(self, data, *, access, **kwargs):
        super().__init__(data, **kwargs)
        self.access = access
        if "organisation" in self.fields:
            self.fields["organisation"].queryset = access.readable_organisations.order_by("path")

    def value(self, name):
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name) or None

    def values(self):
        return {name: value for name in self.fields if (value := self.value(name)) is not None}


class ConsultationFilterForm(_FilterForm):
    organisation = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any organisation")
    state = forms.ChoiceField(
        label="State", required=False, choices=[("", "Any state")] + list(Consultation.State.choices)
    )
    kind = forms.ChoiceField(label="Type", required=False, choices=[("", "Any type")] + list(Consultation.Kind.choices))


class ResponseFilterForm(_FilterForm):
    q = forms.CharField(label="Search the answers", required=False, max_length=200)
    channel = forms.ChoiceField(
        label="How it reached us", required=False, choices=[("", "Any way")] + list(Response.Channel.choices)
    )
    date_from = NHSDateField(label="Sent on or after", required=False)
    date_to = NHSDateField(label="Sent on or before", required=False)
