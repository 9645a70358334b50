"""Insight: the theme framework, the models that tag comments, and what they and people said.

A *comment* is one piece of free text from a consultation answer, an import or an activity's
notes, copied here with where it came from, so every source is analysed and shown the same way.
Each *label* on a comment says where it came from (a model version with its probability, or the
person who coded it) and what a person decided about it; a newer model never overwrites a
person's decision. Safeguarding flags and their handling are kept with the comment.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from involve.consultations.models import ANSWER_MAX_LENGTH, Answer, Consultation
from involve.engagement.models import Activity, Programme
from involve.organisations.models import Organisation


class Framework(models.Model):
    """A versioned set of themes. The national framework has no organisation; an organisation may add its own."""

    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=40)
    # SHA-256 of the file it was loaded from: loading the same file again changes nothing.
    source_sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "version"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name", "version"], name="one_framework_version"),
        ]

    class PersonalData:
        none = ["id", "organisation", "name", "version", "source_sha256", "loaded_at"]

    def __str__(self):
        return f"{self.name} ({self.version})"


class Category(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["framework", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["framework", "name"], name="one_category_name")]

    class PersonalData:
        none = ["id", "framework", "name", "position"]

    def __str__(self):
        return self.name


class Theme(models.Model):
    """A sub-category of the framework: the label a comment is tagged with."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="themes")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(max_length=200)
    description = models.TextField(max_length=4000, blank=True)
    examples = models.TextField(max_length=4000, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["category__position", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["framework", "name"], name="one_theme_name")]

    class PersonalData:
        none = ["id", "framework", "category", "name", "description", "examples", "position"]
        # Reference text of the published framework (or an organisation's own codes), written about the work.
        about_the_work = ["description", "examples"]

    def __str__(self):
        return self.name


class ModelVersion(models.Model):
    """A trained classifier: the shipped default (no organisation) or one retrained by an organisation."""

    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="model_versions")
    version = models.CharField(max_length=40)
    method = models.CharField(max_length=200)
    training_data_sha256 = models.CharField(max_length=64)
    # Where the artefact is: a file name inside the package (default) or under DATA_DIR (retrained).
    artefact = models.CharField(max_length=300)
    artefact_sha256 = models.CharField(max_length=64)
    metrics = models.JSONField(default=dict)
    # Metrics of the model it replaced on the same held-out comments (retraining shows before and after).
    metrics_before = models.JSONField(default=dict, blank=True)
    corrections_used = models.PositiveIntegerField(default=0)
    trained_at = models.DateTimeField()
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=False)

    class Meta:
        ordering = ["-trained_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "version"], name="one_model_version"),
        ]

    class PersonalData:
        personal = ["trained_by"]
        none = [
            "id",
            "organisation",
            "framework",
            "version",
            "method",
            "training_data_sha256",
            "artefact",
            "artefact_sha256",
            "metrics",
            "metrics_before",
            "corrections_used",
            "trained_at",
            "is_active",
        ]

    def __str__(self):
        return f"Model {self.version}"


class DuplicateGroup(models.Model):
    """Comments that are the same or nearly the same: a campaign, a template letter, someone answering twice."""

    class Kind(models.TextChoices):
        IDENTICAL = "identical", "Identical text"
        NEAR = "near", "Nearly identical text"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # The comment the others were matched to: its text stands for the group.
    representative = models.ForeignKey("Comment", null=True, on_delete=models.SET_NULL, related_name="+")
    size = models.PositiveIntegerField(default=1)
    # A person confirmed this is an organised campaign (rather than the same words by chance).
    is_campaign = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-size", "pk"]

    class PersonalData:
        none = ["id", "organisation", "kind", "representative", "size", "is_campaign", "created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} ×{self.size}"


class Comment(models.Model):
    """One piece of free text to analyse, with where it came from and what the machine and people made of it."""

    class Source(models.TextChoices):
        ANSWER = "answer", "Consultation or survey answer"
        IMPORT = "import", "Imported feedback"
        ACTIVITY = "activity", "Activity notes"

    class Sentiment3(models.TextChoices):
        POSITIVE = "positive", "Positive"
        NEUTRAL = "neutral", "Neutral or mixed"
        NEGATIVE = "negative", "Negative"

    class Sentiment5(models.IntegerChoices):
        VERY_POSITIVE = 1, "Very positive"
        POSITIVE = 2, "Positive"
        NEUTRAL = 3, "Neutral or mixed"
        NEGATIVE = 4, "Negative"
        VERY_NEGATIVE = 5, "Very negative"

    class Review(models.TextChoices):
        UNREVIEWED = "unreviewed", "Not reviewed"
        REVIEWED = "reviewed", "Reviewed by a person"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=12, choices=Source.choices)
    answer = models.OneToOneField(Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="comment")
    activity = models.OneToOneField(Activity, null=True, blank=True, on_delete=models.CASCADE, related_name="comment")
    # Denormalised from the source for filtering (consultation, programme, service, question, date).
    consultation = models.ForeignKey(Consultation, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    programme = models.ForeignKey(Programme, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    service = models.CharField(max_length=200, blank=True)
    question = models.CharField(max_length=500, blank=True)
    text = models.TextField(max_length=ANSWER_MAX_LENGTH, blank=True)
    # The text with names, phone numbers, emails, postcodes and NHS numbers masked: what quotes show.
    masked_text = models.TextField(max_length=ANSWER_MAX_LENGTH, blank=True)
    # SHA-256 of the normalised text (case, spacing and punctuation folded): finds identical comments.
    text_hash = models.CharField(max_length=64, db_index=True)
    duplicate_group = models.ForeignKey(
        DuplicateGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    received_at = models.DateTimeField()
    # What the machine made of it (empty until classified).
    model_version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    classified_at = models.DateTimeField(null=True, blank=True)
    sentiment3 = models.CharField(max_length=10, choices=Sentiment3.choices, blank=True)
    sentiment5 = models.PositiveSmallIntegerField(choices=Sentiment5.choices, null=True, blank=True)
    # Set when a person corrected the sentiment; a newer model never overwrites it.
    sentiment_coded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # How sure the model was (0 unsure … 1 sure): the least sure are queued first for a person to code.
    certainty = models.FloatField(null=True, blank=True)
    review = models.CharField(max_length=12, choices=Review.choices, default=Review.UNREVIEWED)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "pk"]
        indexes = [
            models.Index(fields=["organisation", "received_at"], name="comment_org_time"),
            models.Index(fields=["organisation", "review", "certainty"], name="comment_review_queue"),
            models.Index(fields=["organisation", "text_hash"], name="comment_org_hash"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(answer__isnull=True) | Q(activity__isnull=True), name="comment_has_one_source"
            ),
        ]

    class PersonalData:
        # What members of the public wrote: may name them or others, or describe their health.
        personal = ["text", "masked_text", "sentiment_coded_by", "reviewed_by"]
        none = [
            "id",
            "organisation",
            "source",
            "answer",
            "activity",
            "consultation",
            "programme",
            "service",
            "question",
            "text_hash",
            "duplicate_group",
            "received_at",
            "model_version",
            "classified_at",
            "sentiment3",
            "sentiment5",
            "certainty",
            "review",
            "reviewed_at",
        ]

    def __str__(self):
        return f"Comment {self.pk}"


class Label(models.Model):
    """One theme on one comment: suggested by a model or added by a person, and what a person decided."""

    class Source(models.TextChoices):
        MODEL = "model", "Suggested by the model"
        PERSON = "person", "Added by a person"

    class Decision(models.TextChoices):
        NONE = "", "Not decided"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="labels")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="labels")
    source = models.CharField(max_length=8, choices=Source.choices)
    model_version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    probability = models.FloatField(null=True, blank=True)
    decision = models.CharField(max_length=8, choices=Decision.choices, blank=True, default=Decision.NONE)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["comment", "-probability", "pk"]
        constraints = [models.UniqueConstraint(fields=["comment", "theme"], name="one_label_per_theme")]
        indexes = [models.Index(fields=["theme", "decision"], name="label_theme_decision")]

    class PersonalData:
        personal = ["decided_by"]
        none = ["id", "comment", "theme", "source", "model_version", "probability", "decision", "decided_at"]

    def __str__(self):
        return f"{self.theme} on {self.comment_id}"

    @property
    def applies(self):
        """Whether the comment carries this theme: a person's decision wins, else the model's suggestion."""
        return self.decision == self.Decision.ACCEPTED or (self.decision == "" and self.source == self.Source.MODEL)


class SafeguardingFlag(models.Model):
    """A comment that may disclose abuse, neglect, self-harm, violence or a serious incident, and how it was handled."""

    class State(models.TextChoices):
        OPEN = "open", "Waiting for review"
        REFERRED = "referred", "Referred"
        NO_ACTION = "no_action", "Reviewed: no action needed"
        REVIEWED = "reviewed", "Reviewed: handled"

    comment = models.OneToOneField(Comment, on_delete=models.CASCADE, related_name="safeguarding_flag")
    # Why it was flagged, in words (the rule or the model's probability), one reason per line.
    reasons = models.TextField(max_length=2000)
    probability = models.FloatField(null=True, blank=True)
    raised_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    handling_reason = models.TextField(max_length=2000, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    notified = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-raised_at", "pk"]

    class PersonalData:
        # The reasons quote the words of the comment that matched a rule, so they are as personal as the comment.
        personal = ["handled_by", "handling_reason", "reasons"]
        none = ["id", "comment", "probability", "raised_at", "state", "handled_at", "notified"]

    def __str__(self):
        return f"Safeguarding flag on {self.comment_id}"


class SafeguardingReviewer(models.Model):
    """A named person emailed at once when a comment in the organisation is flagged."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="one_reviewer_per_org")]

    class PersonalData:
        personal = ["user"]
        none = ["id", "organisation", "added_at"]

    def __str__(self):
        return f"Safeguarding reviewer {self.user_id}"


class Quote(models.Model):
    """A comment that stands for a theme: proposed by the machine, published only once a person confirms it."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="quotes")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="quotes")
    proposed_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # A person took it away: kept (not deleted) so the machine never suggests it again for the theme.
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["theme", "-confirmed_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["theme", "comment"], name="one_quote_per_theme_comment")]

    class PersonalData:
        personal = ["confirmed_by", "removed_by"]
        none = ["id", "organisation", "theme", "comment", "proposed_at", "confirmed_at", "removed_at"]

    def __str__(self):
        return f"Quote for {self.theme_id}"
