"""Writes of the insight area: the framework and model versions, starting classification, a person's
review of a comment, safeguarding handling and reviewers, retraining and activating a model.

Services take keyword arguments and the acting person (`by=`), run in one transaction and write their
audit event in it. Reviews and handling check the state the person saw (`seen`), so two reviewers
never silently overwrite each other.
"""

import hashlib
import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from involve.audit import services as audit
from involve.audit import writes
from involve.core.progress import task_run_start

from . import pipeline
from .models import Category, Comment, Framework, Label, ModelVersion, SafeguardingFlag, SafeguardingReviewer, Theme

log = logging.getLogger(__name__)

SENTIMENT5_OF = {"positive": 2, "neutral": 3, "negative": 4}
CLASSIFY_KIND = "insight.classify"
RETRAIN_KIND = "insight.retrain"


class ChangedMeanwhile(Exception):
    """Someone else changed the record after the person opened the page: nothing was saved."""


# The framework and the shipped model


def load_framework(*, path=None) -> Framework:
    """The shipped framework (or the file at `path`) as Framework, Category and Theme rows. Loading the
    same file again changes nothing (its SHA-256 is kept); a changed file of the same version adds
    its new categories and themes and updates descriptions."""
    from .learning import framework as learning_framework

    data = learning_framework.load_framework(path)
    existing = Framework.objects.filter(organisation=None, name=data.name, version=data.version).first()
    if existing is not None and existing.source_sha256 == data.sha256:
        return existing
    with transaction.atomic():
        framework, _ = Framework.objects.update_or_create(
            organisation=None, name=data.name, version=data.version, defaults={"source_sha256": data.sha256}
        )
        categories = {}
        for position, name in enumerate(data.categories, start=1):
            categories[name], _ = Category.objects.update_or_create(
                framework=framework, name=name, defaults={"position": position}
            )
        counters = {}
        for theme in data.themes:
            counters[theme.category] = counters.get(theme.category, 0) + 1
            Theme.objects.update_or_create(
                framework=framework,
                name=theme.name,
                defaults={
                    "category": categories[theme.category],
                    "description": theme.description[:4000],
                    "examples": theme.examples[:4000],
                    "position": counters[theme.category],
                },
            )
        audit.record(
            action="framework.load",
            target=framework,
            new={"themes": len(data.themes), "sha256": data.sha256},
        )
    return framework


def _file_sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _meta(metadata, name, default=""):
    if isinstance(metadata, dict):
        return metadata.get(name, default)
    return getattr(metadata, name, default)


def register_default_model() -> ModelVersion:
    """The model shipped in the package as a ModelVersion with no organisation, active; once per version."""
    from .learning import model as learning_model

    framework = load_framework()
    model = learning_model.load_default()
    metadata = model.metadata
    version = str(_meta(metadata, "version") or "default")[:40]
    existing = ModelVersion.objects.filter(organisation=None, version=version).first()
    if existing is not None:
        return existing
    artefact = Path(learning_model.default_path())
    artefact_name = artefact.name
    sha = _file_sha256(artefact) if artefact.is_file() else ""
    with transaction.atomic():
        ModelVersion.objects.filter(organisation=None, is_active=True).update(is_active=False)
        try:
            with transaction.atomic():
                record = ModelVersion.objects.create(
                    organisation=None,
                    framework=framework,
                    version=version,
                    method=str(_meta(metadata, "method"))[:200],
                    training_data_sha256=str(_meta(metadata, "training_data_sha256"))[:64],
                    artefact=artefact_name[:300],
                    artefact_sha256=sha,
                    metrics=_meta(metadata, "metrics", {}) or {},
                    trained_at=timezone.now(),
                    is_active=True,
                )
        except IntegrityError:  # another worker registered it at the same moment
            return ModelVersion.objects.get(organisation=None, version=version)
        audit.record(action="model.register", target=record, new={"version": version, "method": record.method})
    return record


def ensure_ready(organisation) -> ModelVersion | None:
    """The version to classify with: the organisation's own active one, else the shipped model, registered
    on first use (and again when an upgrade ships a new version). None when no model is available."""
    own = ModelVersion.objects.filter(organisation=organisation, is_active=True).first()
    if own is not None:
        return own
    try:
        return register_default_model()
    except (FileNotFoundError, ImportError, AttributeError):
        log.exception("No insight model is available: comments stay unclassified")
        return pipeline.active_model_version(organisation)


# Classification runs


def start_classification(*, organisation, by=None, comment_ids=None, label=None, everything=False):
    """A TaskRun that classifies the comments (ids), or every unclassified comment of the organisation,
    or (everything) every comment again; enqueued once the caller's transaction commits."""
    from . import tasks

    return task_run_start(
        organisation=organisation,
        by=by,
        kind=CLASSIFY_KIND,
        label=label or "Classify comments",
        task=tasks.classify,
        organisation_id=organisation.pk,
        comment_ids=list(comment_ids) if comment_ids is not None else None,
        everything=everything,
    )


def classify_pending(organisation, *, progress=None) -> dict:
    """Capture any text that has no comment yet and classify every unclassified comment: the catch-up
    that makes sure nothing is missed if a signal was lost. Runs in the caller (a task or command)."""
    pipeline.capture_pending(organisation)
    version = ensure_ready(organisation)
    if version is None:
        return {"comments": 0, "labels": 0, "flags": 0}
    ids = list(pipeline.unclassified(organisation).order_by("pk").values_list("pk", flat=True))
    return pipeline.classify_comments(ids, version=version, progress=progress)


def rerun(*, organisation, by):
    """Reclassify every comment of the organisation with its active version (MANAGE). Labels a person
    decided or added, and sentiments a person corrected, are kept; undecided model labels are replaced."""
    version = ensure_ready(organisation)
    if version is None:
        raise ValidationError("No model is available to classify with")
    with transaction.atomic():
        run = start_classification(
            organisation=organisation, by=by, everything=True, label=f"Re-run {version} on every comment"
        )
        audit.record(
            action="model.rerun",
            by=by,
            organisation=organisation,
            target=version,
            new={"version": version.version, "task": str(run.pk)},
        )
    return run


# Reviewing a comment


def seen_token(comment) -> str:
    """What the reviewer saw: the review state, the sentiment and every label's decision. A different
    token under the lock means someone else reviewed the comment meanwhile."""
    labels = ",".join(
        f"{pk}:{source}:{decision}"
        for pk, source, decision in Label.objects.filter(comment=comment)
        .order_by("pk")
        .values_list("pk", "source", "decision")
    )
    state = f"{comment.review}|{comment.sentiment3}|{comment.sentiment_coded_by_id or ''}|{labels}"
    return hashlib.sha256(state.encode()).hexdigest()[:32]


@transaction.atomic
def review_comment(*, by, comment, seen, decisions=None, add_theme=None, sentiment3=None, reviewed=None):
    """Record a person's review of one comment: decisions on labels ({label id: "accepted" | "rejected"
    | ""}), a theme to add, a corrected 3-point sentiment, and whether it is reviewed. Values equal to
    what is stored change nothing. Returns the number of changes; raises ChangedMeanwhile."""
    record = writes.lock(comment)  # takes the audit turn; a comment deleted meanwhile is a page, not a 500
    if seen_token(record) != seen:
        raise ChangedMeanwhile
    now = timezone.now()
    old, new = {}, {}
    labels = {label.pk: label for label in record.labels.select_related("theme")}
    for label_id, decision in (decisions or {}).items():
        label = labels.get(label_id)
        if label is None or decision == label.decision:
            continue
        if decision not in Label.Decision.values:
            raise ValidationError({f"label_{label_id}": "Choose whether the theme applies"})
        old[f"theme {label.theme.name}"] = label.decision or "not decided"
        new[f"theme {label.theme.name}"] = decision or "not decided"
        label.decision, label.decided_by, label.decided_at = (
            decision,
            (by if decision else None),
            (now if decision else None),
        )
        label.save(update_fields=["decision", "decided_by", "decided_at"])
    if add_theme is not None:
        if add_theme.framework_id != _framework_of(record):
            raise ValidationError({"add_theme": "Choose a theme from the framework"})
        label = next((lb for lb in labels.values() if lb.theme_id == add_theme.pk), None)
        if label is None:
            Label.objects.create(
                comment=record,
                theme=add_theme,
                source=Label.Source.PERSON,
                decision=Label.Decision.ACCEPTED,
                decided_by=by,
                decided_at=now,
            )
            new[f"theme {add_theme.name}"] = "added"
        elif label.decision != Label.Decision.ACCEPTED:
            old[f"theme {add_theme.name}"] = label.decision or "not decided"
            new[f"theme {add_theme.name}"] = Label.Decision.ACCEPTED
            label.decision, label.decided_by, label.decided_at = Label.Decision.ACCEPTED, by, now
            label.save(update_fields=["decision", "decided_by", "decided_at"])
    fields = []
    if sentiment3 is not None and sentiment3 != record.sentiment3:
        if sentiment3 not in Comment.Sentiment3.values:
            raise ValidationError({"sentiment3": "Choose the sentiment"})
        old["sentiment"], new["sentiment"] = record.sentiment3 or "none", sentiment3
        record.sentiment3, record.sentiment5, record.sentiment_coded_by = sentiment3, SENTIMENT5_OF[sentiment3], by
        fields += ["sentiment3", "sentiment5", "sentiment_coded_by"]
    if reviewed is not None and reviewed != (record.review == Comment.Review.REVIEWED):
        old["review"] = record.review
        record.review = Comment.Review.REVIEWED if reviewed else Comment.Review.UNREVIEWED
        record.reviewed_by, record.reviewed_at = (by, now) if reviewed else (None, None)
        new["review"] = record.review
        fields += ["review", "reviewed_by", "reviewed_at"]
    if fields:
        record.save(update_fields=fields)
    if new:
        audit.record(
            action="comment.review",
            by=by,
            organisation=record.organisation_id,
            target=record,
            old=old,
            new=new,
        )
    return len(new)


def _framework_of(comment):
    if comment.model_version_id:
        return ModelVersion.objects.filter(pk=comment.model_version_id).values_list("framework_id", flat=True).first()
    framework = default_framework()
    return framework.pk if framework else None


def default_framework():
    return Framework.objects.filter(organisation=None).order_by("-loaded_at", "-pk").first()


# Safeguarding


def flag_seen_token(flag) -> str:
    return f"{flag.state}|{flag.handled_at.isoformat() if flag.handled_at else ''}"


HANDLED_STATES = (SafeguardingFlag.State.REFERRED, SafeguardingFlag.State.NO_ACTION, SafeguardingFlag.State.REVIEWED)


@transaction.atomic
def handle_flag(*, by, flag, state, reason, seen):
    """Record how a flag was handled (referred, no action, reviewed) with the reason, which is required."""
    if state not in HANDLED_STATES:
        raise ValidationError({"state": "Choose how the concern was handled"})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter the reason for your decision"})
    record = writes.lock(flag)
    if flag_seen_token(record) != seen:
        raise ChangedMeanwhile
    if record.state == state and record.handling_reason == reason:
        return record
    old = {"state": record.state}
    record.state, record.handling_reason, record.handled_by, record.handled_at = state, reason, by, timezone.now()
    record.save(update_fields=["state", "handling_reason", "handled_by", "handled_at"])
    audit.record(
        action="safeguarding.handle",
        by=by,
        organisation=record.comment.organisation_id,
        target=record,
        old=old,
        new={"state": state, "handling_reason": reason},
    )
    return record


@transaction.atomic
def add_reviewer(*, by, organisation, user):
    from involve.organisations.models import Membership

    if not Membership.objects.filter(organisation=organisation, user=user).exists():
        raise ValidationError({"user": "Choose a member of this organisation"})
    reviewer, created = SafeguardingReviewer.objects.get_or_create(organisation=organisation, user=user)
    if created:
        audit.record(
            action="safeguarding.reviewer_add",
            by=by,
            organisation=organisation,
            target=reviewer,
            new={"user": user.pk},
        )
    return reviewer


@transaction.atomic
def remove_reviewer(*, by, reviewer):
    audit.take_turn()
    audit.record(
        action="safeguarding.reviewer_remove",
        by=by,
        organisation=reviewer.organisation_id,
        target=reviewer,
        old={"user": reviewer.user_id},
    )
    reviewer.delete()


# Retraining


def corrections_of(organisation) -> list:
    """The organisation's reviewed comments as training examples with their effective labels (a
    person's decision wins, else the model's suggestion) and sentiment."""
    from .learning.data import Example

    comments = (
        Comment.objects.filter(organisation=organisation, review=Comment.Review.REVIEWED)
        .prefetch_related("labels__theme")
        .order_by("pk")
    )
    examples = []
    for comment in comments:
        labels = frozenset(label.theme.name for label in comment.labels.all() if label.applies)
        if not labels:
            continue
        examples.append(Example(comment.text, comment.question, labels, comment.sentiment5))
    return examples


def start_retrain(*, organisation, by):
    from . import tasks

    base = pipeline.active_model_version(organisation)
    if base is None:
        raise ValidationError("There is no model to retrain yet")
    if not corrections_of(organisation):
        raise ValidationError("There are no reviewed comments to learn from yet: review some comments first")
    with transaction.atomic():
        run = task_run_start(
            organisation=organisation,
            by=by,
            kind=RETRAIN_KIND,
            label=f"Retrain {base} with corrections",
            task=tasks.retrain,
            organisation_id=organisation.pk,
            base_id=base.pk,
            by_id=by.pk if by else None,
        )
        audit.record(action="model.retrain_start", by=by, organisation=organisation, target=base)
    return run


def models_dir() -> Path:
    return Path(settings.DATA_DIR) / "insight" / "models"


def retrain(*, organisation, base, by, progress=None) -> ModelVersion:
    """Retrain `base` with the organisation's corrections; store the artefact and a new inactive
    ModelVersion with the metrics before (the base) and after, on the same held-out comments."""
    from .learning import model as learning_model
    from .learning import retrain as learning_retrain

    corrections = corrections_of(organisation)
    model, before, after = learning_retrain.retrain(pipeline.load_model(base), corrections)
    stamp = timezone.now()
    version = f"{organisation.pk}-{stamp:%Y%m%d%H%M%S}"
    folder = models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"org{organisation.pk}-{stamp:%Y%m%d%H%M%S%f}.model"
    path = folder / name
    learning_model.save(model, path)
    metadata = model.metadata
    with transaction.atomic():
        record = ModelVersion.objects.create(
            organisation=organisation,
            framework=base.framework,
            version=version,
            method=f"{_meta(metadata, 'method') or base.method}, retrained from {base.version}"[:200],
            # What it learnt from here: the corrections (the base's own training data is the base's).
            training_data_sha256=str(
                (_meta(metadata, "retrained", {}) or {}).get("corrections_sha256")
                or _meta(metadata, "training_data_sha256")
            )[:64],
            artefact=name,
            artefact_sha256=_file_sha256(path),
            metrics=after or {},
            metrics_before=before or {},
            corrections_used=len(corrections),
            trained_at=stamp,
            trained_by=by,
            is_active=False,
        )
        audit.record(
            action="model.retrain",
            by=by,
            organisation=organisation,
            target=record,
            new={"base": base.version, "corrections": len(corrections)},
        )
    return record


@transaction.atomic
def activate(*, by, version: ModelVersion, organisation):
    """Make `version` the one new comments are classified with (a separate, confirmed step)."""
    audit.take_turn()
    if version.organisation_id not in (None, organisation.pk):
        raise ValidationError("This model belongs to another organisation")
    previous = pipeline.active_model_version(organisation)
    ModelVersion.objects.filter(organisation=organisation, is_active=True).update(is_active=False)
    if version.organisation_id == organisation.pk:
        ModelVersion.objects.filter(pk=version.pk).update(is_active=True)
    audit.record(
        action="model.activate",
        by=by,
        organisation=organisation,
        target=version,
        old={"version": previous.version if previous else ""},
        new={"version": version.version},
    )
    return version
