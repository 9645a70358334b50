"""Consultations and surveys, their questions, the responses people give, and imports of feedback
gathered elsewhere (paper forms, Friends and Family Test exports, other consultation tools).

A consultation belongs to one organisation and is one activity's way of listening: its responses
count as that activity's reach. Questions hang off the consultation, optionally inside a section;
a question or a section may be shown only after a given answer to an earlier question. Every
response is stored whole in one transaction (services), with its answers; equality monitoring
answers live in the equality app, apart from what people said.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from involve.engagement.models import LONG_TEXT, SHORT_TEXT, Activity, Decision, Evidence
from involve.organisations.models import Organisation

# The longest answer one free-text question takes: about four pages of typing.
ANSWER_MAX_LENGTH = 10_000
DEFAULT_PRIVACY_NOTICE = (
    "We use your answers to understand what people think about the proposals and to report what we "
    "heard. We do not publish anything that could identify you. Answers to the equality questions are "
    "kept apart from your other answers, are optional, and are only reported as totals. We keep your "
    "answers for as long as our records policy says, and you can ask us to see or delete them."
)
# Reference numbers people quote: no 0/O or 1/I/L, so they can be read out over the phone.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _revision_field():
    return models.PositiveIntegerField(default=1, editable=False)


def new_reference():
    return "-".join("".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(4)) for _ in range(3))


class Consultation(models.Model):
    class Kind(models.TextChoices):
        CONSULTATION = "consultation", "Consultation"
        SURVEY = "survey", "Survey"
        # Continuous feedback collected elsewhere, such as the Friends and Family Test.
        FEEDBACK = "feedback", "Feedback collection"

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        CLOSED = "closed", "Closed"
        RESULTS_PUBLISHED = "results_published", "Results published"

    class Paging(models.TextChoices):
        ALL = "all", "All questions on one page"
        SECTION = "section", "One section per page"
        QUESTION = "question", "One question per page"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="consultations")
    activity = models.ForeignKey(
        Activity,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultations",
        help_text="The engagement activity this consultation is part of: its responses count as its reach.",
    )
    decisions = models.ManyToManyField(Decision, blank=True, related_name="consultations")
    # Background documents on the public page: chosen on purpose from the organisation's evidence, since
    # evidence is otherwise internal (notes of meetings may hold personal details).
    documents = models.ManyToManyField(Evidence, blank=True, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CONSULTATION)
    title = models.CharField(max_length=200)
    # The public address: /have-your-say/<organisation>/<slug>/.
    slug = models.SlugField(max_length=80)
    summary = models.TextField(max_length=SHORT_TEXT, blank=True)
    background = models.TextField(max_length=LONG_TEXT, blank=True)
    other_ways = models.TextField(
        "other ways to take part",
        max_length=SHORT_TEXT,
        blank=True,
        help_text="Paper copies, easy read, other languages, phone or face to face",
    )
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    paging = models.CharField("pages", max_length=10, choices=Paging.choices, default=Paging.ALL)
    privacy_notice = models.TextField(max_length=SHORT_TEXT, default=DEFAULT_PRIVACY_NOTICE)
    ask_equality = models.BooleanField("ask the equality monitoring questions", default=True)
    results_summary = models.TextField("what we heard and what we did", max_length=LONG_TEXT, blank=True)
    results_published_at = models.DateTimeField(null=True, blank=True)
    # Cross-tabulations and charts show * for any count below this (domain.md §10.6).
    suppression_threshold = models.PositiveSmallIntegerField(default=5)
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revision = _revision_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-opens_at", "title", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "slug"],
                name="unique_consultation_slug",
                violation_error_message="Another consultation of this organisation already has this web address",
            ),
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True) | Q(opens_at__isnull=True) | Q(closes_at__gt=models.F("opens_at")),
                name="consultation_closes_after_opening",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "state"], name="consultation_org_state")]

    class PersonalData:
        # The contact is usually a team's mailbox and phone line, but may be a named officer's.
        personal = ["created_by", "contact_email", "contact_phone"]
        none = [
            "id",
            "organisation",
            "activity",
            "decisions",
            "documents",
            "kind",
            "title",
            "slug",
            "summary",
            "background",
            "other_ways",
            "opens_at",
            "closes_at",
            "state",
            "paging",
            "privacy_notice",
            "ask_equality",
            "results_summary",
            "results_published_at",
            "suppression_threshold",
            "copied_from",
            "revision",
            "created_at",
            "updated_at",
        ]
        about_the_work = ["summary", "background", "other_ways", "privacy_notice", "results_summary"]

    def __str__(self):
        return self.title

    def is_open(self, at=None):
        """Taking responses at `at` (now): published, opened and not yet closed."""
        at = at or timezone.now()
        return (
            self.state == self.State.PUBLISHED
            and (self.opens_at is None or self.opens_at <= at)
            and (self.closes_at is None or at < self.closes_at)
        )


class Section(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(max_length=200)
    intro = models.TextField(max_length=SHORT_TEXT, blank=True)
    position = models.PositiveIntegerField(default=0)
    # Shown only when the answer to condition_question is one of condition_values (choice keys).
    condition_question = models.ForeignKey(
        "Question", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    condition_values = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["position", "pk"]

    class PersonalData:
        none = ["id", "consultation", "title", "intro", "position", "condition_question", "condition_values"]
        about_the_work = ["intro"]

    def __str__(self):
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        FREE_TEXT = "free_text", "Free text"
        SHORT_TEXT = "short_text", "Short answer (one line)"
        SINGLE_CHOICE = "single_choice", "Choose one"
        MULTIPLE_CHOICE = "multiple_choice", "Choose several"
        AGREEMENT = "agreement", "Agreement scale (strongly agree to strongly disagree)"
        SATISFACTION = "satisfaction", "Satisfaction scale (very satisfied to very dissatisfied)"
        RATING = "rating", "Rating (1 to a maximum)"
        RANKING = "ranking", "Put in order of importance"
        GRID = "grid", "Grid of statements against one scale"
        FFT = "fft", "Friends and Family Test: overall experience"
        POSTCODE = "postcode", "Postcode"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="questions")
    section = models.ForeignKey(Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    # A short stable name for imports, exports and analysis ("q3", "fft_comment"); unique per consultation.
    code = models.SlugField(max_length=40)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField("question", max_length=500)
    help_text = models.TextField(max_length=SHORT_TEXT, blank=True)
    required = models.BooleanField(default=False)
    # Choices: [{"key": "c1", "label": "Yes"}, ...]; keys never change once responses exist.
    # Scales (agreement, satisfaction, FFT) are filled from scales.py when the question is made.
    options = models.JSONField(default=list, blank=True)
    # Grid rows: [{"key": "s1", "label": "Parking is easy"}, ...], each answered on `options`.
    statements = models.JSONField(default=list, blank=True)
    rating_max = models.PositiveSmallIntegerField(null=True, blank=True)
    max_length = models.PositiveIntegerField(null=True, blank=True)
    condition_question = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="dependants"
    )
    condition_values = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "code"], name="unique_question_code"),
        ]

    class PersonalData:
        none = [
            "id",
            "consultation",
            "section",
            "position",
            "code",
            "kind",
            "text",
            "help_text",
            "required",
            "options",
            "statements",
            "rating_max",
            "max_length",
            "condition_question",
            "condition_values",
        ]
        about_the_work = ["help_text"]

    def __str__(self):
        return self.text

    @property
    def option_labels(self):
        return {o["key"]: o["label"] for o in self.options}


class ImportRun(models.Model):
    """One file of feedback brought in: validated in full, then committed in one transaction."""

    class Layout(models.TextChoices):
        FFT = "fft", "Friends and Family Test free-text export"
        CITIZEN_SPACE = "citizen_space", "Consultation export, one row per response (Citizen Space style)"
        ENGAGEMENT_HQ = "engagement_hq", "Survey export (EngagementHQ style)"
        CUSTOM = "custom", "Any file, with the columns matched by hand"

    class State(models.TextChoices):
        VALIDATING = "validating", "Checking"
        INVALID = "invalid", "Not imported: problems found"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="imports")
    layout = models.CharField(max_length=16, choices=Layout.choices)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(default=0)
    # {"column heading": "question code" or a response field ("submitted_at", "service", ...)}.
    mapping = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.VALIDATING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    # [{"row": 12, "column": "Date", "reason": "..."}], the first few hundred problems.
    problems = models.JSONField(default=list, blank=True)
    task_run = models.ForeignKey("core.TaskRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [
            # The same file imported again into the same consultation changes nothing.
            models.UniqueConstraint(
                fields=["consultation", "sha256"],
                condition=Q(state="done"),
                name="one_import_per_file",
            ),
        ]

    class PersonalData:
        # The file's name as uploaded may name a person, like evidence file names.
        personal = ["created_by", "original_name"]
        none = [
            "id",
            "organisation",
            "consultation",
            "layout",
            "sha256",
            "size",
            "mapping",
            "state",
            "rows_total",
            "rows_imported",
            "problems",
            "task_run",
            "created_at",
            "finished_at",
        ]

    def __str__(self):
        return self.original_name


class Response(models.Model):
    """One person's answers to one consultation, however they reached us."""

    class Channel(models.TextChoices):
        ONLINE = "online", "Online"
        PAPER = "paper", "Paper form"
        FACE_TO_FACE = "face_to_face", "Face to face"
        PHONE = "phone", "Phone"
        EMAIL = "email", "Email or letter"
        IMPORT = "import", "Imported"

    class Moderation(models.TextChoices):
        NOT_REVIEWED = "not_reviewed", "Not reviewed"
        APPROVED = "approved", "Approved for publication"
        WITHHELD = "withheld", "Not to be published"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="responses")
    reference = models.CharField(max_length=14, unique=True, default=new_reference)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.ONLINE)
    # When the person sent it (for imports: the date in the file); received_at is when Involve stored it.
    submitted_at = models.DateTimeField(default=timezone.now)
    received_at = models.DateTimeField(auto_now_add=True)
    # The hidden token of the form the person was sent: a second submit of the same form stores nothing.
    idempotency_key = models.CharField(max_length=64, blank=True)
    # Where the feedback was about, for feedback collected at a service (FFT: ward, clinic, practice).
    service = models.CharField(max_length=200, blank=True)
    import_run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.PROTECT, related_name="responses")
    source_row = models.PositiveIntegerField(null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The person agreed that what they wrote may be published (after moderation, with details masked).
    publish_consent = models.BooleanField(default=False)
    moderation = models.CharField(max_length=16, choices=Moderation.choices, default=Moderation.NOT_REVIEWED)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="one_response_per_form_token",
            ),
        ]
        indexes = [models.Index(fields=["consultation", "submitted_at"], name="response_consultation_time")]

    class PersonalData:
        personal = ["entered_by", "moderated_by"]
        none = [
            "id",
            "organisation",
            "consultation",
            "reference",
            "channel",
            "submitted_at",
            "received_at",
            "idempotency_key",
            "service",
            "import_run",
            "source_row",
            "publish_consent",
            "moderation",
            "moderated_at",
        ]

    def __str__(self):
        return self.reference


class Answer(models.Model):
    """One answer to one question. Which columns hold it depends on the question's kind:
    text (free text, short answer, postcode), choice (one choice, a scale, FFT), number (rating),
    value (several choices, a ranking: a list of keys; a grid: {statement key: option key})."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    text = models.TextField(max_length=ANSWER_MAX_LENGTH, blank=True)
    choice = models.CharField(max_length=40, blank=True)
    number = models.IntegerField(null=True, blank=True)
    value = models.JSONField(null=True, blank=True)
    # Free text with names, phone numbers, email addresses, postcodes and NHS numbers masked (moderation).
    masked_text = models.TextField(max_length=ANSWER_MAX_LENGTH, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_question")]
        indexes = [models.Index(fields=["question", "choice"], name="answer_question_choice")]

    class PersonalData:
        # What members of the public wrote: may name them or others, or describe their health.
        personal = ["text", "masked_text", "value"]
        none = ["id", "response", "question", "choice", "number"]

    def __str__(self):
        return f"Answer to {self.question_id}"


class ResponseDraft(models.Model):
    """Answers given so far to a long survey: the person's way back is the resume link, whose token
    only they hold (we keep its hash)."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="drafts")
    token_hash = models.CharField(max_length=64, unique=True)
    # The posted values so far, {question code: value as posted}, and the equality answers apart.
    answers = models.JSONField(default=dict, blank=True)
    equality = models.JSONField(default=dict, blank=True)
    page = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-updated_at"]

    class PersonalData:
        personal = ["answers"]
        special_category = ["equality"]
        not_found_by_name = {"equality": "equality answer codes, never a name: found with the draft's answers"}
        none = ["id", "consultation", "token_hash", "page", "created_at", "updated_at", "expires_at"]

    def __str__(self):
        return f"Saved answers {self.pk}"
