"""The engagement record: programmes, decisions with their duty-to-involve assessment, activities,
evidence, VCSE partners and improvement objectives.

Every record belongs to one organisation (LegalDuty is national reference data; an AudienceTag with
no organisation is one of the national defaults every organisation can use).
"""

import dataclasses
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, URLValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce

from involve.core import dates
from involve.core.dates import today
from involve.organisations.models import Organisation

https_only = URLValidator(schemes=["https"], message="Enter a web address that starts with https://")

# Length limits for free text, enforced by the forms (with a character count) and by full_clean in the
# services. Long enough for what a board paper says; short enough that no reader can make a page or a
# cover sheet expensive to draw.
SHORT_TEXT = 2000
LONG_TEXT = 5000


def not_in_future(value, what):
    """A date that says something happened cannot be after today (Europe/London)."""
    if value and value > today():
        return f"{what} cannot be in the future"
    return None


def _revision_field():
    # Raised by every update through involve.audit.writes; forms carry it to detect a stale edit.
    return models.PositiveIntegerField(default=1, editable=False)


class Method(models.TextChoices):
    """How an activity involved people (domain.md §7)."""

    WORKSHOP = "workshop", "Workshop"
    FOCUS_GROUP = "focus_group", "Focus group"
    SURVEY = "survey", "Survey"
    CONSULTATION = "consultation", "Consultation"
    PUBLIC_MEETING = "public_meeting", "Public meeting"
    ONLINE_DISCUSSION = "online_discussion", "Online discussion or tweet chat"
    OUTREACH = "outreach", "Outreach or community event"
    FIFTEEN_STEPS = "fifteen_steps", "15 Steps visit"
    ALWAYS_EVENT = "always_event", "Always Event co-design"
    PANEL = "panel", "Panel or assembly meeting"
    INTERVIEWS = "interviews", "Interviews"
    OTHER = "other", "Other"


class LadderLevel(models.TextChoices):
    """Level on the participation ladder, lowest first (domain.md §6.2)."""

    INFORM = "inform", "Inform"
    CONSULT = "consult", "Consult"
    INVOLVE = "involve", "Involve"
    COLLABORATE = "collaborate", "Collaborate or co-design"
    CO_PRODUCE = "co_produce", "Co-produce"


class Programme(models.Model):
    """A strand of work such as Cancer, Maternity, Mental health or Urgent care."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="programmes")
    name = models.CharField(max_length=200)
    description = models.TextField(max_length=SHORT_TEXT, blank=True)
    revision = _revision_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"],
                name="unique_programme_name",
                violation_error_message="There is already a programme with this name",
            )
        ]

    class PersonalData:
        none = ["id", "organisation", "name", "description", "revision", "created_at", "updated_at"]
        about_the_work = ["description"]

    def __str__(self):
        return self.name


class ImprovementObjective(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        ON_TRACK = "on_track", "On track"
        AT_RISK = "at_risk", "At risk"
        OFF_TRACK = "off_track", "Off track"
        ACHIEVED = "achieved", "Achieved"
        STOPPED = "stopped", "Stopped"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="objectives")
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=SHORT_TEXT, blank=True)
    # A person who signs in, or a named owner who does not (a team, a post, a partner).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_name = models.CharField("owner (if not a user)", max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    target_date = models.DateField(null=True, blank=True)
    revision = _revision_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["target_date", "title", "pk"]

    class PersonalData:
        # owner_name is often a team or a post, but may be a named person: free text naming people is personal.
        personal = ["owner", "owner_name"]
        none = [
            "id",
            "organisation",
            "programme",
            "title",
            "description",
            "status",
            "target_date",
            "revision",
            "created_at",
            "updated_at",
        ]
        about_the_work = ["description"]

    def __str__(self):
        return self.title

    @property
    def owner_label(self):
        if self.owner_id:
            return self.owner.display_name
        return self.owner_name


class Milestone(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    objective = models.ForeignKey(ImprovementObjective, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    due_date = models.DateField()
    done_date = models.DateField(null=True, blank=True)
    revision = _revision_field()

    class Meta:
        ordering = ["due_date", "pk"]

    class PersonalData:
        none = ["id", "organisation", "objective", "title", "due_date", "done_date", "revision"]

    def __str__(self):
        return self.title

    def clean(self):
        if error := not_in_future(self.done_date, "The date it was done"):
            raise ValidationError({"done_date": error})


class LegalDutyQuerySet(models.QuerySet):
    def valid_on(self, on_date):
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on_date)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on_date)
        )


class LegalDuty(models.Model):
    """A statutory duty that may apply to a decision. Dated, because the law changes (s14Z2 → s14Z45).

    National reference data, not owned by an organisation; seeded by migration 0002.
    """

    code = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    # Organisation.Kind values this duty binds, for example ["icb"].
    applies_to = models.JSONField(default=list, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    description = models.TextField(max_length=SHORT_TEXT, blank=True)
    source_url = models.URLField(blank=True, max_length=500)

    objects = LegalDutyQuerySet.as_manager()

    class Meta:
        ordering = ["code", "valid_from"]
        verbose_name_plural = "legal duties"
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="unique_legal_duty_code_from"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="legal_duty_dates_in_order",
            ),
        ]

    class PersonalData:
        none = ["id", "code", "title", "applies_to", "valid_from", "valid_to", "description", "source_url"]
        about_the_work = ["description"]  # national reference data about the law

    def __str__(self):
        return f"{self.code}: {self.title}"

    def applies_to_kind(self, kind) -> bool:
        return not self.applies_to or kind in self.applies_to


class AudienceTag(models.Model):
    """A group an activity aims to reach: seldom-heard and inclusion-health groups.

    Tags without an organisation are the national defaults (migration 0002); an organisation may
    add its own and retire them (active=False) without losing the history of activities.
    """

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="audience_tags"
    )
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    inclusion_health = models.BooleanField(
        "inclusion health group",
        default=False,
        help_text="Socially excluded people who typically have very poor health outcomes",
    )
    active = models.BooleanField(default=True)
    revision = _revision_field()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"],
                name="unique_audience_tag_name",
                violation_error_message="There is already an audience with this name",
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(organisation__isnull=True),
                name="unique_national_audience_tag_name",
                violation_error_message="There is already a national audience with this name",
            ),
        ]

    class PersonalData:
        none = ["id", "organisation", "name", "description", "inclusion_health", "active", "revision"]

    def __str__(self):
        return self.name

    @property
    def is_national(self):
        return self.organisation_id is None


# Warnings on decisions: the record shows the duty to involve may not have been met. They are plain
# column comparisons on the stored involvement facts, computed by DecisionQuerySet.with_warnings() for
# lists, pages and the cover sheet alike.

# The duty applies and the decision is this close (or already past) with no involvement evidence.
WARNING_WINDOW_DAYS = 60


@dataclasses.dataclass(frozen=True)
class DecisionWarning:
    code: str
    label: str
    explanation: str


NO_EVIDENCE = DecisionWarning(
    "no_evidence",
    "No involvement evidence",
    f"The duty to involve applies and the decision is due within {WARNING_WINDOW_DAYS} days or has been "
    "taken, but no activity is linked and no evidence is attached.",
)
LATE_EVIDENCE = DecisionWarning(
    "late_evidence",
    "Evidence dated after the decision",
    "Some evidence, or a linked activity, is dated after the decision, so it cannot have informed it.",
)
NO_FEEDBACK = DecisionWarning(
    "no_feedback",
    "Feedback to participants missing",
    "A linked activity has no record of the feedback given to the people who took part.",
)
NO_SCRUTINY = DecisionWarning(
    "no_scrutiny",
    "Scrutiny committee not consulted in time",
    f"The proposal is a substantial variation, so the local authority scrutiny committee must be consulted "
    f"before the decision (s244), but the decision is due within {WARNING_WINDOW_DAYS} days or has been taken "
    "and no consultation is recorded, or it is dated after the decision.",
)
WARNINGS = [NO_EVIDENCE, LATE_EVIDENCE, NO_FEEDBACK, NO_SCRUTINY]
WARNINGS_BY_CODE = {w.code: w for w in WARNINGS}


class WarningsNotLoaded(AttributeError):
    """A decision read without DecisionQuerySet.with_warnings(): saying "no warnings" would be a guess."""


class DecisionQuerySet(models.QuerySet):
    def with_warnings(self, *, today=None):
        """Annotate decisions with decision_on and one boolean per warning (warn_no_evidence, …)."""
        today = today or dates.today()
        near_or_past = Q(decision_on__lte=today + datetime.timedelta(days=WARNING_WINDOW_DAYS))

        def flag(condition):
            return Case(When(condition, then=Value(True)), default=Value(False), output_field=models.BooleanField())

        return self.annotate(decision_on=Coalesce(F("actual_date"), F("planned_date"))).annotate(
            warn_no_evidence=flag(Q(affects_services=Decision.Answer.YES) & near_or_past & Q(involvement_count=0)),
            warn_late_evidence=flag(Q(last_involvement_on__gt=F("decision_on"))),
            warn_no_feedback=flag(
                (Q(actual_date__lte=today) | Q(duty_status=Decision.DutyStatus.INVOLVEMENT_COMPLETE))
                & Q(activities_without_feedback__gt=0)
            ),
            warn_no_scrutiny=flag(
                Q(substantial_variation=Decision.Answer.YES)
                & near_or_past
                & (Q(scrutiny_consulted_on__isnull=True) | Q(scrutiny_consulted_on__gt=F("decision_on")))
            ),
        )


class Decision(models.Model):
    """A decision or proposal, with the assessment of whether the duty to involve applies and how it was met."""

    class Kind(models.TextChoices):
        STRATEGIC_PLAN = "strategic_plan", "Strategic plan"
        SERVICE_CHANGE = "service_change", "Service change"
        PROCUREMENT = "procurement", "Procurement"
        OPERATIONAL = "operational", "Operational decision"

    class Answer(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        NOT_YET = "not_yet", "Not yet known"

    class DutyStatus(models.TextChoices):
        NOT_SCREENED = "not_screened", "Not screened"
        NOT_APPLICABLE = "not_applicable", "Duty does not apply"
        PLAN_IN_PROGRESS = "plan_in_progress", "Involvement plan in progress"
        INVOLVEMENT_COMPLETE = "involvement_complete", "Involvement complete"
        FEEDBACK_GIVEN = "feedback_given", "Feedback given"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="decisions")
    programme = models.ForeignKey(Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions")
    title = models.CharField(max_length=200)
    reference = models.CharField(max_length=50, blank=True, help_text="Your own reference, for example a paper number")
    decision_maker = models.CharField(max_length=200, blank=True, help_text="The board or committee that decides")
    kind = models.CharField("type of decision", max_length=20, choices=Kind.choices)
    planned_date = models.DateField("planned decision date", null=True, blank=True)
    actual_date = models.DateField("date the decision was taken", null=True, blank=True)
    summary = models.TextField(max_length=LONG_TEXT, blank=True)
    # Organisations whose services it changes (a trust whose service moves, a neighbouring ICB): they may
    # read the decision, its activities and its cover sheet, and see it on their home page, not change it.
    affected_organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="affected_by_decisions", verbose_name="organisations it affects"
    )

    # The duty-to-involve assessment (domain.md §4.2).
    affects_services = models.CharField(
        "affects how services are delivered or the range of services",
        max_length=10,
        choices=Answer.choices,
        default=Answer.NOT_YET,
    )
    affects_rationale = models.TextField("reasons", max_length=SHORT_TEXT, blank=True)
    duties = models.ManyToManyField(LegalDuty, blank=True, related_name="decisions")
    substantial_variation = models.CharField(
        "substantial development or variation",
        max_length=10,
        choices=Answer.choices,
        default=Answer.NOT_YET,
        help_text="If yes, the local authority scrutiny committee must be consulted (s244)",
    )
    scrutiny_consulted_on = models.DateField("scrutiny committee consulted on", null=True, blank=True)
    eia_reference = models.CharField("equality impact assessment reference", max_length=200, blank=True)
    health_inequalities = models.TextField("how health inequalities were considered", max_length=LONG_TEXT, blank=True)
    plan_audiences = models.ManyToManyField("AudienceTag", blank=True, related_name="planned_for_decisions")
    plan_methods = models.JSONField(default=list, blank=True)  # Method values
    plan_starts = models.DateField("involvement starts", null=True, blank=True)
    plan_ends = models.DateField("involvement ends", null=True, blank=True)
    plan_notes = models.TextField("involvement plan", max_length=LONG_TEXT, blank=True)
    feedback_changes = models.TextField("how feedback changed the proposal", max_length=LONG_TEXT, blank=True)
    duty_status = models.CharField(max_length=24, choices=DutyStatus.choices, default=DutyStatus.NOT_SCREENED)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    screened_at = models.DateTimeField(null=True, blank=True)

    # Facts about the involvement behind the decision, kept up to date by services.refresh_involvement
    # whenever activities or evidence change, so that the warnings are plain column comparisons: over a
    # region or the country, working them out from activities and evidence on every page took seconds.
    involvement_count = models.PositiveIntegerField(default=0, editable=False)  # linked activities + evidence
    last_involvement_on = models.DateField(null=True, blank=True, editable=False)  # latest start or evidence date
    activities_without_feedback = models.PositiveIntegerField(default=0, editable=False)

    revision = _revision_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["-planned_date", "title", "pk"]
        # Migration 0004 adds, on PostgreSQL, an index in the lists' default order (newest first).
        indexes = [models.Index(fields=["organisation", "duty_status"], name="decision_org_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(plan_ends__isnull=True) | Q(plan_starts__isnull=True) | Q(plan_ends__gte=F("plan_starts")),
                name="decision_plan_dates_in_order",
            ),
        ]

    class PersonalData:
        personal = ["screened_by"]
        none = [
            "id",
            "organisation",
            "programme",
            "affected_organisations",
            "duties",
            "plan_audiences",
            "title",
            "reference",
            "decision_maker",
            "kind",
            "planned_date",
            "actual_date",
            "summary",
            "affects_services",
            "affects_rationale",
            "substantial_variation",
            "scrutiny_consulted_on",
            "eia_reference",
            "health_inequalities",
            "plan_methods",
            "plan_starts",
            "plan_ends",
            "plan_notes",
            "feedback_changes",
            "duty_status",
            "involvement_count",
            "last_involvement_on",
            "activities_without_feedback",
            "revision",
            "created_at",
            "updated_at",
            "screened_at",
        ]
        # Staff's account of the decision and the duty to involve. feedback_changes is borderline: it says
        # how feedback changed the proposal (the organisation's response), not what people said, which
        # belongs in BoardPaper.what_people_said (personal).
        about_the_work = [
            "summary",
            "affects_rationale",
            "health_inequalities",
            "plan_notes",
            "feedback_changes",
        ]

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        if not_in_future(self.actual_date, "The date the decision was taken"):
            errors["actual_date"] = (
                "The date the decision was taken cannot be in the future. If it has not "
                "been taken yet, give the planned decision date instead"
            )
        if error := not_in_future(self.scrutiny_consulted_on, "The date the scrutiny committee was consulted"):
            errors["scrutiny_consulted_on"] = error
        if self.plan_starts and self.plan_ends and self.plan_ends < self.plan_starts:
            errors["plan_ends"] = "The date involvement ends must be on or after the date it starts"
        if errors:
            raise ValidationError(errors)

    @property
    def decision_date(self):
        """The date the decision was taken, else when it is planned."""
        return self.actual_date or self.planned_date

    @property
    def duty_applies(self):
        return self.affects_services == self.Answer.YES

    @property
    def plan_method_labels(self):
        return [Method(m).label for m in self.plan_methods if m in Method.values]

    @property
    def warnings(self) -> list[DecisionWarning]:
        """The warnings DecisionQuerySet.with_warnings() worked out; WarningsNotLoaded without them."""
        if not hasattr(self, "warn_no_evidence"):
            raise WarningsNotLoaded(
                f"Decision {self.pk} was read without with_warnings(), so its warnings are not known"
            )
        return [w for w in WARNINGS if getattr(self, f"warn_{w.code}")]


class VCSEPartner(models.Model):
    """A voluntary, community or social enterprise organisation, or local Healthwatch, we work with."""

    class Kind(models.TextChoices):
        VCSE = "vcse", "VCSE organisation"
        HEALTHWATCH = "healthwatch", "Local Healthwatch"
        OTHER = "other", "Other partner"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="vcse_partners")
    name = models.CharField(max_length=200)
    kind = models.CharField("type of partner", max_length=20, choices=Kind.choices, default=Kind.VCSE)
    contact_email = models.EmailField(
        "contact email address",
        blank=True,
        help_text="The organisation's shared address, not a person's",
    )
    website = models.URLField(blank=True, max_length=500, validators=[https_only])
    description = models.TextField(max_length=SHORT_TEXT, blank=True)
    revision = _revision_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "VCSE partner"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"],
                name="unique_partner_name",
                violation_error_message="There is already a partner with this name",
            )
        ]

    class PersonalData:
        # Meant for a shared mailbox, but people type their own address in, so treated as personal.
        personal = ["contact_email"]
        none = ["id", "organisation", "name", "kind", "website", "description", "revision", "created_at", "updated_at"]
        about_the_work = ["description"]  # what the partner organisation does

    def __str__(self):
        return self.name


class TermsOfEngagement(models.Model):
    """One agreed version of how we work with a partner."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey(VCSEPartner, on_delete=models.CASCADE, related_name="terms")
    version = models.CharField(max_length=20)
    agreed_on = models.DateField("agreed on")
    review_on = models.DateField("review due", null=True, blank=True)
    document_url = models.URLField("link to the document", blank=True, max_length=500, validators=[https_only])
    summary = models.TextField(max_length=SHORT_TEXT, blank=True)
    revision = _revision_field()

    class Meta:
        ordering = ["-agreed_on", "-pk"]
        verbose_name_plural = "terms of engagement"
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "version"],
                name="unique_terms_version",
                violation_error_message="These terms already have a version with this name",
            ),
            models.CheckConstraint(
                condition=Q(review_on__isnull=True) | Q(review_on__gte=F("agreed_on")),
                name="terms_review_after_agreed",
            ),
        ]

    class PersonalData:
        none = [
            "id",
            "organisation",
            "partner",
            "version",
            "agreed_on",
            "review_on",
            "document_url",
            "summary",
            "revision",
        ]
        about_the_work = ["summary"]

    def __str__(self):
        return f"{self.partner} – version {self.version}"

    def clean(self):
        errors = {}
        if error := not_in_future(self.agreed_on, "The date the terms were agreed"):
            errors["agreed_on"] = error
        if self.agreed_on and self.review_on and self.review_on < self.agreed_on:
            errors["review_on"] = "The review date must be on or after the date the terms were agreed"
        if errors:
            raise ValidationError(errors)


class Activity(models.Model):
    """Something done with patients and the public: a workshop, a survey, a 15 Steps visit…

    Its state says whether it has happened. What it planned (people expected) is kept apart from what
    happened (people who took part, responses, outputs, feedback), and what happened can be recorded
    only once it has taken place, so a record never claims more than it holds.
    """

    class State(models.TextChoices):
        PLANNED = "planned", "Planned"
        TAKING_PLACE = "taking_place", "Taking place"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    # Facts that exist only once the activity has taken place.
    OUTCOME_FIELDS = ("participants", "responses", "outputs", "feedback_what", "feedback_given_on", "feedback_how")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="activities")
    programme = models.ForeignKey(Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="activities")
    decisions = models.ManyToManyField(Decision, blank=True, related_name="activities")
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=SHORT_TEXT, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PLANNED)
    method = models.CharField(max_length=24, choices=Method.choices)
    ladder_level = models.CharField("level of participation", max_length=16, choices=LadderLevel.choices)
    starts_on = models.DateField("start date")
    ends_on = models.DateField("end date", null=True, blank=True)
    location = models.CharField("place", max_length=200, blank=True)
    online = models.BooleanField("held online", default=False)
    partners = models.ManyToManyField(VCSEPartner, blank=True, related_name="activities")
    public_partners = models.PositiveIntegerField("patient and public partners involved", default=0)
    public_partner_roles = models.TextField(
        "their roles", max_length=SHORT_TEXT, blank=True, help_text="Roles only, not names"
    )
    audiences_targeted = models.ManyToManyField(AudienceTag, blank=True, related_name="targeted_by")
    audiences_reached = models.ManyToManyField(AudienceTag, blank=True, related_name="reached_by")
    expected_participants = models.PositiveIntegerField("people expected to take part", null=True, blank=True)
    participants = models.PositiveIntegerField("people who took part", null=True, blank=True)
    responses = models.PositiveIntegerField(null=True, blank=True)
    cost = models.DecimalField(
        "cost (£)", max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    outputs = models.TextField(
        max_length=LONG_TEXT, blank=True, help_text="Reports and other things the activity produced"
    )
    # Closing the loop: what we told the people who took part, when and how.
    feedback_what = models.TextField("feedback given to participants", max_length=LONG_TEXT, blank=True)
    feedback_given_on = models.DateField("feedback given on", null=True, blank=True)
    feedback_how = models.CharField("how the feedback was given", max_length=200, blank=True)
    revision = _revision_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "title", "pk"]
        verbose_name_plural = "activities"
        # Migration 0004 adds, on PostgreSQL, an index in the lists' default order (newest first).
        indexes = [models.Index(fields=["organisation", "starts_on"], name="activity_org_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="activity_dates_in_order",
            ),
            models.CheckConstraint(condition=Q(cost__isnull=True) | Q(cost__gte=0), name="activity_cost_not_negative"),
        ]

    class PersonalData:
        # public_partner_roles says "roles only, not names", but it describes individual members of the
        # public ("carer of a child with autism", "member of the maternity voices partnership"): with the
        # activity it can identify them, and people type names in. So personal, by the free-text rule.
        personal = ["public_partner_roles"]
        none = [
            "id",
            "organisation",
            "programme",
            "decisions",
            "partners",
            "audiences_targeted",
            "audiences_reached",
            "title",
            "description",
            "state",
            "method",
            "ladder_level",
            "starts_on",
            "ends_on",
            "location",
            "online",
            "public_partners",
            "expected_participants",
            "participants",
            "responses",
            "cost",
            "outputs",
            "feedback_what",
            "feedback_given_on",
            "feedback_how",
            "revision",
            "created_at",
            "updated_at",
        ]
        # Staff write these about the activity; feedback_what is what we told participants, not what they said.
        about_the_work = ["description", "outputs", "feedback_what"]

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "The end date must be on or after the start date"
        happened = self.has_taken_place
        if happened and self.starts_on and self.starts_on > today():
            errors["state"] = (
                f"An activity that is {self.get_state_display().lower()} cannot start in the future. "
                "Choose ‘Planned’, or correct the start date"
            )
        elif self.state == self.State.DONE and self.ends_on and self.ends_on > today():
            errors["state"] = "An activity that is done cannot end in the future. Correct the end date"
        if not happened:
            for name in self.OUTCOME_FIELDS:
                if getattr(self, name) not in (None, ""):
                    label = self._meta.get_field(name).verbose_name
                    errors[name] = (
                        f"{label[0].upper()}{label[1:]} can be recorded only once the activity has taken place. "
                        "Change its state to ‘Taking place’ or ‘Done’ first"
                    )
        if "feedback_given_on" not in errors:
            if error := not_in_future(self.feedback_given_on, "The date feedback was given"):
                errors["feedback_given_on"] = error
            elif self.starts_on and self.feedback_given_on and self.feedback_given_on < self.starts_on:
                errors["feedback_given_on"] = "Feedback can only be given once the activity has started"
        if errors:
            raise ValidationError(errors)

    @property
    def has_taken_place(self):
        return self.state in (self.State.TAKING_PLACE, self.State.DONE)

    @property
    def feedback_given(self):
        return self.feedback_given_on is not None

    @property
    def place_label(self):
        if self.online and self.location:
            return f"{self.location} and online"
        return "Online" if self.online else self.location


class Evidence(models.Model):
    """A file or a link that shows what was done, attached to one decision or one activity.

    Uploads, their checks and downloads live in evidence.py and views/evidence.py.
    """

    class Kind(models.TextChoices):
        FILE = "file", "File"
        LINK = "link", "Link"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="evidence")
    # PROTECT: evidence may be needed in a legal challenge, so removing it is a deliberate act.
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="evidence")
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.PROTECT, related_name="evidence")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=4, choices=Kind.choices)
    url = models.URLField("web address", blank=True, max_length=2000, validators=[https_only])
    # The storage name is random (set by the upload service); the person's file name is kept apart.
    file = models.FileField(upload_to="evidence/", blank=True, max_length=255)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    dated = models.DateField(help_text="The date of what it evidences, for example the date of the meeting")
    description = models.TextField(max_length=SHORT_TEXT, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["dated", "pk"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=(Q(decision__isnull=False) & Q(activity__isnull=True))
                | (Q(decision__isnull=True) & Q(activity__isnull=False)),
                name="evidence_exactly_one_owner",
            ),
            models.CheckConstraint(condition=Q(kind__in=["file", "link"]), name="evidence_kind_valid"),
        ]

    class PersonalData:
        # original_name is the file's name as uploaded, chosen outside Involve and often a person's name
        # ("Interview - Mrs Patel.docx"), so personal; the title and description are staff's, about the work.
        # What is inside an uploaded file is not classified here (nor searched by a subject access export).
        personal = ["created_by", "original_name"]
        none = [
            "id",
            "organisation",
            "decision",
            "activity",
            "title",
            "kind",
            "url",
            "file",
            "content_type",
            "size",
            "sha256",
            "dated",
            "description",
            "created_at",
        ]
        about_the_work = ["description"]

    def __str__(self):
        return self.title

    @property
    def owner(self):
        return self.decision if self.decision_id else self.activity


class BoardPaper(models.Model):
    """The meeting a decision's cover sheet goes to, as the front of an NHS board paper: which board or
    committee, when, the agenda item and paper reference, who wrote it and which director leads, what
    the paper is for and what it recommends, and in short what people said and how it changed the
    proposal. One per decision; the duty-to-involve section below it is built from the record itself."""

    class Purpose(models.TextChoices):
        DECISION = "decision", "For decision"
        ASSURANCE = "assurance", "For assurance"
        INFORMATION = "information", "For information"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    decision = models.OneToOneField(Decision, on_delete=models.CASCADE, related_name="board_paper")
    meeting = models.CharField("board or committee", max_length=200)
    meeting_on = models.DateField("date of the meeting", null=True, blank=True)
    agenda_item = models.CharField("agenda item", max_length=20, blank=True)
    paper_reference = models.CharField("paper reference", max_length=50, blank=True)
    author = models.CharField("author", max_length=200, blank=True, help_text="Name and job title")
    lead_director = models.CharField("lead director", max_length=200, blank=True, help_text="Name and job title")
    purpose = models.CharField(max_length=12, choices=Purpose.choices, default=Purpose.DECISION)
    recommendation = models.TextField(max_length=2000, blank=True)
    what_people_said = models.TextField("what people said and how it changed the proposal", max_length=4000, blank=True)
    revision = _revision_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class PersonalData:
        # Author and director are named post-holders acting in their public role: still personal data.
        # what_people_said summarises what members of the public said and may quote or name them, so it is
        # personal by the free-text rule; the recommendation is staff's, about the work.
        personal = ["author", "lead_director", "what_people_said"]
        none = [
            "id",
            "organisation",
            "decision",
            "meeting",
            "meeting_on",
            "agenda_item",
            "paper_reference",
            "purpose",
            "recommendation",
            "revision",
            "created_at",
            "updated_at",
        ]
        about_the_work = ["recommendation"]

    def __str__(self):
        return f"{self.meeting}: {self.decision}"
