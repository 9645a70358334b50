"""The classification pipeline: captured text becomes Comment rows, and comments get themes, sentiment
and safeguarding flags from the active model version.

    capture_answers / capture_activity   free text → Comment (masked text, hash, where it came from)
    classify_comments                    Comment → Label rows, sentiment, certainty (batches of 1,000)
    raise_flag                           safeguarding.assess → SafeguardingFlag + email to reviewers

A person's work is never overwritten here: labels a person decided or added, and a sentiment a
person corrected, survive every run (see `_apply`). Nothing here checks permissions: the callers
are background tasks and services that have.
"""

import logging
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from involve.audit import services as audit
from involve.consultations.models import Answer, Question
from involve.consultations.moderation import masked

from .learning import safeguarding
from .models import Comment, Label, ModelVersion, SafeguardingFlag, SafeguardingReviewer, Theme
from .text import text_hash

log = logging.getLogger(__name__)

BATCH = 1_000
TEXT_KINDS = (Question.Kind.FREE_TEXT, Question.Kind.SHORT_TEXT)  # not postcodes: they say nothing to analyse
MAX_TEXT = Comment._meta.get_field("text").max_length


# Capture


def _answers_without_comment():
    return (
        Answer.objects.filter(question__kind__in=TEXT_KINDS)
        .exclude(text__regex=r"^\s*$")
        .exclude(Exists(Comment.objects.filter(answer=OuterRef("pk"))))
    )


def capture_answers(*, consultation=None, response_ids=None, import_run=None, organisation=None) -> list[int]:
    """Comment rows for every non-empty free-text answer in scope that has none yet; returns their ids."""
    answers = _answers_without_comment()
    if response_ids is not None:
        answers = answers.filter(response_id__in=list(response_ids))
    if import_run is not None:
        answers = answers.filter(response__import_run=import_run)
    if consultation is not None:
        answers = answers.filter(response__consultation=consultation)
    if organisation is not None:
        answers = answers.filter(response__organisation=organisation)
    answers = answers.select_related("question", "response__consultation__activity").order_by("pk")
    made = []
    batch = []
    for answer in answers.iterator(chunk_size=BATCH):
        batch.append(_comment_for_answer(answer))
        if len(batch) >= BATCH:
            made += _save(batch)
            batch = []
    made += _save(batch)
    return made


def _save(comments):
    if not comments:
        return []
    created = Comment.objects.bulk_create(comments, batch_size=BATCH, ignore_conflicts=True)
    if all(c.pk for c in created):
        return [c.pk for c in created]
    # SQLite's ignore_conflicts gives no ids back: find them by their source.
    ids = [c.answer_id for c in comments if c.answer_id]
    return list(Comment.objects.filter(answer_id__in=ids).values_list("pk", flat=True))


def _comment_for_answer(answer) -> Comment:
    response = answer.response
    consultation = response.consultation
    activity = consultation.activity
    text = answer.text[:MAX_TEXT]
    return Comment(
        organisation_id=response.organisation_id,
        source=Comment.Source.IMPORT if response.import_run_id else Comment.Source.ANSWER,
        answer=answer,
        consultation=consultation,
        programme_id=activity.programme_id if activity else None,
        service=response.service,
        question=answer.question.text[:500],
        text=text,
        masked_text=answer.masked_text or masked(text),
        text_hash=text_hash(text),
        received_at=response.submitted_at,
    )


def capture_activity(activity) -> int | None:
    """The activity's notes (its outputs) as one comment, kept in step as they change. Returns its id,
    or None when there is nothing to analyse. Changed notes lose the model's undecided labels (they
    were about the old words) and are classified again."""
    text = (activity.outputs or "").strip()[:MAX_TEXT]
    existing = Comment.objects.filter(activity=activity).first()
    if not text:
        return existing.pk if existing else None
    if existing is not None:
        if existing.text == text:
            return existing.pk
        existing.text = text
        existing.masked_text = masked(text)
        existing.text_hash = text_hash(text)
        existing.programme_id = activity.programme_id
        existing.classified_at = None
        existing.save(update_fields=["text", "masked_text", "text_hash", "programme", "classified_at"])
        return existing.pk
    comment = Comment.objects.create(
        organisation_id=activity.organisation_id,
        source=Comment.Source.ACTIVITY,
        activity=activity,
        programme_id=activity.programme_id,
        question="Activity outputs",
        text=text,
        masked_text=masked(text),
        text_hash=text_hash(text),
        received_at=timezone.make_aware(
            timezone.datetime.combine(activity.ends_on or activity.starts_on, timezone.datetime.min.time())
        ),
    )
    return comment.pk


def capture_pending(organisation) -> list[int]:
    """Comments for any captured text that has none yet (a signal lost, a worker stopped)."""
    from involve.engagement.models import Activity

    made = capture_answers(organisation=organisation)
    activities = (
        Activity.objects.filter(organisation=organisation)
        .exclude(outputs="")
        .exclude(Exists(Comment.objects.filter(activity=OuterRef("pk"))))
    )
    for activity in activities:
        pk = capture_activity(activity)
        if pk:
            made.append(pk)
    return made


# Models


_loaded: dict[tuple, object] = {}


def artefact_path(version: ModelVersion) -> Path:
    return Path(settings.DATA_DIR) / "insight" / "models" / version.artefact


def load_model(version: ModelVersion):
    """The InsightModel of a version, kept in memory per process (keyed by its artefact's hash)."""
    key = (version.pk, version.artefact_sha256)
    if key not in _loaded:
        from .learning import model as learning_model

        if version.organisation_id is None:
            _loaded[key] = learning_model.load_default()
        else:
            _loaded[key] = learning_model.load(artefact_path(version))
    return _loaded[key]


def active_model_version(organisation) -> ModelVersion | None:
    """The organisation's own active version if it has one, else the shipped default."""
    own = ModelVersion.objects.filter(organisation=organisation, is_active=True).first()
    return own or ModelVersion.objects.filter(organisation__isnull=True, is_active=True).first()


# Classifying


def classify_comments(comment_ids, *, version: ModelVersion, progress=None) -> dict:
    """Classify the comments (ids) with `version`, BATCH at a time. Returns counts."""
    model = load_model(version)
    themes = {t.name: t for t in Theme.objects.filter(framework=version.framework_id)}
    ids = list(comment_ids)
    counts = {"comments": 0, "labels": 0, "flags": 0}
    for start in range(0, len(ids), BATCH):
        chunk = list(
            Comment.objects.filter(pk__in=ids[start : start + BATCH])
            .select_related("organisation")
            .prefetch_related("labels")
            .order_by("pk")
        )
        if chunk:
            predictions = model.predict([c.text for c in chunk], [c.question for c in chunk])
            with transaction.atomic():
                for comment, prediction in zip(chunk, predictions, strict=True):
                    counts["labels"] += _apply(comment, prediction, version, themes)
                    counts["flags"] += raise_flag(comment, prediction)
            counts["comments"] += len(chunk)
        if progress:
            progress(min(start + BATCH, len(ids)), len(ids))
    return counts


def _apply(comment, prediction, version, themes) -> int:
    """Replace the model's undecided labels with this prediction's; keep everything a person did."""
    kept = {}
    for label in comment.labels.all():
        if label.source == Label.Source.PERSON or label.decision:
            kept[label.theme_id] = label
    Label.objects.filter(comment=comment, source=Label.Source.MODEL, decision="").delete()
    new = []
    for name in prediction.labels:
        theme = themes.get(name)
        if theme is None or theme.pk in kept:
            continue
        new.append(
            Label(
                comment=comment,
                theme=theme,
                source=Label.Source.MODEL,
                model_version=version,
                probability=float(prediction.probabilities.get(name, 0.0)),
            )
        )
    Label.objects.bulk_create(new)
    comment.model_version = version
    comment.classified_at = timezone.now()
    comment.certainty = float(prediction.certainty)
    fields = ["model_version", "classified_at", "certainty"]
    if comment.sentiment_coded_by_id is None:
        comment.sentiment3 = prediction.sentiment3 or ""
        comment.sentiment5 = prediction.sentiment5
        fields += ["sentiment3", "sentiment5"]
    comment.save(update_fields=fields)
    return len(new)


# Safeguarding


def raise_flag(comment, prediction=None) -> int:
    """Flag the comment if safeguarding.assess gives reasons (once: a flag is never raised twice), and
    email the organisation's safeguarding reviewers at once. Returns 1 if a flag was raised."""
    reasons = safeguarding.assess(comment.text, prediction)
    if not reasons or SafeguardingFlag.objects.filter(comment=comment).exists():
        return 0
    probability = None
    if prediction is not None:
        probability = prediction.probabilities.get(safeguarding.FEELING_SAFE)
    flag = SafeguardingFlag.objects.create(
        comment=comment,
        reasons="\n".join(r.replace("\n", " ") for r in reasons)[:2000],
        probability=float(probability) if probability is not None else None,
    )
    recipients = reviewer_addresses(comment.organisation_id)
    audit.record(
        action="safeguarding.flag",
        organisation=comment.organisation_id,
        target=flag,
        new={"comment": comment.pk, "reasons": len(reasons), "reviewers emailed": len(recipients)},
    )
    transaction.on_commit(lambda: _notify(flag.pk, recipients))
    return 1


def reviewer_addresses(organisation_id) -> list[str]:
    return list(
        SafeguardingReviewer.objects.filter(organisation_id=organisation_id, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def flag_link(flag_pk) -> str:
    """The flag's address. Sent from a background worker, with no request: built from the first host name
    Involve answers to (INVOLVE_ALLOWED_HOSTS), over HTTPS except on this machine."""
    host = next((h for h in settings.ALLOWED_HOSTS if h and not h.startswith((".", "*"))), "localhost")
    scheme = "http" if host in ("localhost", "127.0.0.1", "testserver") else "https"
    if scheme == "http" and host != "testserver":
        host = f"{host}:8000"
    return f"{scheme}://{host}{reverse('insight:flag', args=[flag_pk])}"


def _notify(flag_pk, recipients):
    """One email per reviewer. It says only that a comment needs urgent review, and where: never the
    comment's words, which stay inside Involve."""
    if not recipients:
        return
    subject = "Urgent: a comment needs safeguarding review"
    body = (
        "A comment received by your organisation may disclose a safeguarding concern or a serious incident, "
        "and needs urgent review by a named safeguarding reviewer.\n\n"
        f"Sign in to Involve to read it and record how it was handled:\n{flag_link(flag_pk)}\n\n"
        "This email does not contain the comment. Do not forward it outside your organisation."
    )
    sent = 0
    for address in recipients:
        try:
            sent += send_mail(subject, body, None, [address])
        except Exception:  # one bad address must not stop the others
            log.exception("Safeguarding email to a reviewer failed for flag %s", flag_pk)
    SafeguardingFlag.objects.filter(pk=flag_pk).update(notified=sent)


# Finding what is left


def unclassified(organisation):
    return Comment.objects.filter(organisation=organisation, classified_at__isnull=True)
