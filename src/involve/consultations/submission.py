"""Storing a response: whole, in one transaction, once per form (the idempotency key), and only while
the consultation is open (or for a form served before it closed); and drafts, the answers of a long
survey saved so far behind a resume link whose token only the person holds."""

import dataclasses
import datetime
import hashlib
import secrets

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from involve.audit import services as audit
from involve.equality.services import record_answers

from . import responding, signals
from .models import Answer, Consultation, Question, Response, ResponseDraft

FORM_TOKEN_SALT = "involve.consultations.form_token"
# A form served before the close is still taken this long after it (someone pressing Send at 23:59).
CLOSING_GRACE = datetime.timedelta(hours=2)
# A form token older than this is not believed: nobody keeps a page open for a month.
FORM_TOKEN_MAX_AGE = datetime.timedelta(days=30)
DRAFT_LIFETIME = datetime.timedelta(days=60)
# About one new draft in this many also deletes the expired ones.
DRAFT_TIDY_EVERY = 100


# Form tokens: made when a form is served, signed with the time


@dataclasses.dataclass(frozen=True)
class FormToken:
    consultation_id: int
    key: str  # the idempotency key
    served_at: datetime.datetime


def make_form_token(consultation, *, at=None) -> str:
    signer = signing.TimestampSigner(salt=FORM_TOKEN_SALT)
    if at is not None:
        # Only tests serve a form in the past; the signer reads the clock itself.
        signer.timestamp = lambda: signing.b62_encode(int(at.timestamp()))
    return signer.sign(f"{consultation.pk}.{secrets.token_urlsafe(24)}")


def read_form_token(consultation, token):
    """The FormToken, or None when it is missing, forged, too old or for another consultation."""
    if not token or len(token) > 200:
        return None
    signer = signing.TimestampSigner(salt=FORM_TOKEN_SALT)
    try:
        value = signer.unsign(token, max_age=FORM_TOKEN_MAX_AGE)
        stamped = signing.Signer.unsign(signer, token)
    except signing.BadSignature:
        return None
    consultation_id, _sep, key = value.partition(".")
    if consultation_id != str(consultation.pk) or not key:
        return None
    served_at = datetime.datetime.fromtimestamp(signing.b62_decode(stamped.rsplit(":", 1)[1]), tz=datetime.UTC)
    return FormToken(consultation.pk, key, served_at)


class Closed(Exception):
    """The consultation is not taking responses (and the form was not served while it was)."""


def submission_time(consultation, token, *, now=None):
    """When a response counts as sent: now while open; after the close, the time the form was served,
    if that was before the close and we are within the grace period. Raises Closed otherwise."""
    now = now or timezone.now()
    if consultation.is_open(now):
        return now
    # Closed by its dates, or by staff (consultation_close sets the state and closes_at to that moment).
    if (
        token is not None
        and consultation.closes_at is not None
        and consultation.state in (Consultation.State.PUBLISHED, Consultation.State.CLOSED)
        and (consultation.opens_at is None or consultation.opens_at <= token.served_at)
        # The token's time is in whole seconds: one served in the second of the close counts as after it.
        and token.served_at < consultation.closes_at.replace(microsecond=0)
        and now <= consultation.closes_at + CLOSING_GRACE
    ):
        return token.served_at
    raise Closed


# Submitting


@transaction.atomic
def submit(
    consultation,
    answers,
    equality=None,
    *,
    channel=Response.Channel.ONLINE,
    idempotency_key="",
    by=None,
    at=None,
    publish_consent=False,
    consented=False,
    postcode="",
    service="",
    questions=None,
):
    """Store one response: the Response, its Answers and (when the person answered some and agreed)
    the equality answers, in one transaction. A second submit with the same idempotency key stores
    nothing and returns the first response. `answers` must have passed responding.validate_response.
    Entered by staff (`by`): recorded in the audit log as response.enter. The pages look for an earlier
    response with the key before validating; here the unique constraint decides, so a second submit
    costs no extra query on the way in."""
    questions = {q.code: q for q in (questions or consultation.questions.all())}
    unknown = set(answers) - set(questions)
    if unknown:
        raise ValidationError(_("Answers to questions that are not in this consultation cannot be kept"))
    try:
        with transaction.atomic():
            response = Response.objects.create(
                organisation_id=consultation.organisation_id,
                consultation=consultation,
                channel=channel,
                submitted_at=at or timezone.now(),
                idempotency_key=idempotency_key,
                entered_by=by,
                publish_consent=publish_consent,
                service=service,
            )
    except IntegrityError:
        # The same form sent twice (or at the same moment): the first one is kept.
        existing = Response.objects.filter(consultation=consultation, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing
    Answer.objects.bulk_create(
        [
            Answer(response=response, question=questions[code], **responding.answer_fields(questions[code], value))
            for code, value in answers.items()
        ]
    )
    if consented and (equality or postcode):
        record_answers(
            organisation=consultation.organisation,
            subject_kind="consultation_response",
            subject_id=response.pk,
            answers=dict(equality or {}),
            consented=True,
            postcode=postcode,
        )
    if by is not None:
        audit.record(
            action="response.enter",
            by=by,
            organisation=consultation.organisation_id,
            target=response,
            new={"consultation": consultation.pk, "channel": channel, "answers": len(answers)},
            target_label=f"{consultation.title} ({response.reference})",
        )
    # Analysis (insight) picks the text up once this is committed: capture never waits for it.
    signals.send_on_commit(consultation, response_ids=[response.pk])
    return response


def postcode_of(questions, answers):
    """The first postcode answer, which gives the response's deprivation decile."""
    for question in questions:
        if question.kind == Question.Kind.POSTCODE and answers.get(question.code):
            return answers[question.code]
    return ""


def stored_answers(response):
    """{question code: value} back from a response's Answer rows."""
    return {
        a.question.code: responding.answer_value(a.question, a) for a in response.answers.select_related("question")
    }


# Drafts


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def forget_expired_drafts(*, now=None):
    """Delete drafts past their expiry: they hold what people wrote, and no one can open them any more."""
    return ResponseDraft.objects.filter(expires_at__lte=now or timezone.now()).delete()[0]


def new_draft(consultation, *, answers=None, equality=None, page=1):
    """A draft and its token (shown once, in the resume link; we keep only its hash)."""
    if secrets.randbelow(DRAFT_TIDY_EVERY) == 0:  # now and then, whoever starts a draft tidies the old ones
        forget_expired_drafts()
    token = secrets.token_urlsafe(32)
    draft = ResponseDraft.objects.create(
        consultation=consultation,
        token_hash=token_hash(token),
        answers=answers or {},
        equality=equality or {},
        page=page,
        expires_at=timezone.now() + DRAFT_LIFETIME,
    )
    return draft, token


def find_draft(token):
    if not token or len(token) > 100:
        return None
    draft = (
        ResponseDraft.objects.select_related("consultation__organisation")
        .filter(token_hash=token_hash(token), expires_at__gt=timezone.now())
        .first()
    )
    return draft


def save_draft(draft, *, answers=None, equality=None, page=None):
    fields = ["updated_at"]
    if answers is not None:
        draft.answers = answers
        fields.append("answers")
    if equality is not None:
        draft.equality = equality
        fields.append("equality")
    if page is not None:
        draft.page = page
        fields.append("page")
    draft.save(update_fields=fields)


def submit_draft(draft, *, answers, idempotency_key, at, publish_consent):
    """Submit a draft's answers and delete the draft, in one transaction."""
    consultation = draft.consultation
    equality = {k: v for k, v in draft.equality.items() if k != "consent"}
    consented = bool(draft.equality.get("consent"))
    questions = list(consultation.questions.all())
    with transaction.atomic():
        response = submit(
            consultation,
            answers,
            equality,
            idempotency_key=idempotency_key,
            at=at,
            publish_consent=publish_consent,
            consented=consented,
            postcode=postcode_of(questions, answers),
            questions=questions,
        )
        ResponseDraft.objects.filter(pk=draft.pk).delete()
    return response


def send_resume_link(*, address, link, consultation):
    """Email the resume link. The address is used for this message only and not kept."""
    subject = _("Your saved answers: %(title)s") % {"title": consultation.title}
    body = _(
        "You saved your answers to “%(title)s”.\n\n"
        "To carry on where you left off, open this link:\n%(link)s\n\n"
        "Anyone with this link can see and change your answers, so do not share it.\n"
        "Your saved answers are kept for %(expires)s, or until the consultation closes."
    ) % {"title": consultation.title, "link": link, "expires": _("60 days")}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
