"""Changes to organisations, successions and memberships. Each writes its audit event."""

import logging
import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError, send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from involve.audit import services as audit
from involve.audit import writes

from .models import Membership, Organisation, Role, Succession, User

ORGANISATION_FIELDS = ["name", "kind", "ods_code", "parent", "valid_from", "valid_to"]
# What an administrator may change on the organisation's page (moving it in the tree is not offered there).
ORGANISATION_EDIT_FIELDS = ["name", "kind", "ods_code", "valid_from", "valid_to"]
MEMBERSHIP_FIELDS = ["role", "equality_data_access"]

logger = logging.getLogger(__name__)


def _set_path(org: Organisation):
    parent_path = org.parent.path if org.parent_id else "/"
    org.path = f"{parent_path}{org.pk}/"
    Organisation.objects.filter(pk=org.pk).update(path=org.path)


@transaction.atomic
def organisation_create(*, by, name, kind, parent=None, ods_code="", valid_from=None, valid_to=None):
    org = Organisation(
        name=name,
        kind=kind,
        parent=parent,
        ods_code=(ods_code or "").strip().upper(),
        valid_from=valid_from,
        valid_to=valid_to,
    )
    org.full_clean(exclude=["path"])
    org.save()
    _set_path(org)
    audit.record(
        action="organisation.create", by=by, organisation=org, target=org, new=audit.snapshot(org, ORGANISATION_FIELDS)
    )
    return org


@transaction.atomic
def organisation_update(*, by, organisation, revision=None, **changes):
    writes.only(ORGANISATION_FIELDS, changes)
    if "ods_code" in changes:
        changes["ods_code"] = (changes["ods_code"] or "").strip().upper()
    old_parent = Organisation.objects.filter(pk=organisation.pk).values_list("parent_id", flat=True).first()

    def check(org):
        if org.parent_id and org.pk in (org.parent.ancestor_ids() + [org.parent_id]):
            raise ValidationError({"parent": "An organisation cannot sit below itself."})

    organisation = writes.update(
        organisation,
        by=by,
        action="organisation.update",
        fields=ORGANISATION_FIELDS,
        changes=changes,
        version=revision,
        validate=check,
    )
    if old_parent != organisation.parent_id:
        # Moving an organisation moves its whole subtree: rewrite every descendant's path.
        old_path = organisation.path
        _set_path(organisation)
        for child in Organisation.objects.filter(path__startswith=old_path).exclude(pk=organisation.pk):
            Organisation.objects.filter(pk=child.pk).update(path=organisation.path + child.path[len(old_path) :])
    return organisation


@transaction.atomic
def succession_record(*, by, predecessor, successor, effective_date):
    if predecessor.pk == successor.pk:
        raise ValidationError("An organisation cannot succeed itself.")
    if successor.pk in lineage_ids(predecessor):
        raise ValidationError(f"{successor} is already a predecessor of {predecessor}.")
    succession = Succession(predecessor=predecessor, successor=successor, effective_date=effective_date)
    succession.full_clean()
    succession.save()
    audit.record(
        action="succession.create",
        by=by,
        organisation=successor,
        target=succession,
        new={"predecessor": predecessor.pk, "successor": successor.pk, "effective_date": effective_date},
    )
    return succession


def lineage_ids(organisation) -> set[int]:
    """The organisation and all its predecessors, however many mergers back, for trend roll-ups."""
    found = {organisation.pk}
    frontier = {organisation.pk}
    while frontier:
        frontier = (
            set(Succession.objects.filter(successor_id__in=frontier).values_list("predecessor_id", flat=True)) - found
        )
        found |= frontier
    return found


def _other_admins(organisation, membership):
    """The organisation's other administrators, locked in one order. Two administrators demoting each
    other at the same moment then queue on the same rows, and the second sees the first's change, so
    an organisation is never left without one (PostgreSQL re-checks the condition after the wait)."""
    audit.take_turn()  # the audit log's turn first, as every audited write (audit.services.take_turn)
    admins = Membership.objects.select_for_update().filter(organisation_id=organisation.pk, role=Role.ADMINISTRATOR)
    return [m.pk for m in admins.order_by("pk") if m.pk != membership.pk]


def invitation_links(request):
    """How to reach Involve from an invitation email: a new person gets allauth's set-password link,
    someone who already has an account the sign-in page. Built by the view from its request, so the
    service itself knows nothing of requests or URLs."""
    from allauth.account.adapter import get_adapter
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str
    from allauth.core import context

    def link(user, new_user):
        if not new_user:
            return request.build_absolute_uri(reverse("account_login"))
        key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
        # allauth reads the request from its own context (set by its middleware in a real request).
        with context.request_context(request):
            return get_adapter().get_reset_password_from_key_url(key)

    return link


@transaction.atomic
def member_invite(*, by, links, organisation, email, role, equality_data_access=False, first_name="", last_name=""):
    """Add someone to an organisation and email them; a new person gets a link to set their password.
    If the email cannot be sent, nothing is stored and the administrator is told (a ValidationError)."""
    email = User.objects.normalize_email(email).strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    new_user = user is None
    if new_user:
        user = User.objects.create_user(email=email, first_name=first_name, last_name=last_name)
    if Membership.objects.filter(user=user, organisation=organisation).exists():
        raise ValidationError({"email": f"{email} is already a member of {organisation}."})
    membership = Membership.objects.create(
        user=user,
        organisation=organisation,
        role=role,
        equality_data_access=equality_data_access,
        invited_by_id=by.pk if by else None,
    )
    audit.record(
        action="membership.invite",
        by=by,
        organisation=organisation,
        target=membership,
        target_label=email,
        new={"role": role, "equality_data_access": equality_data_access, "new_account": new_user},
    )
    context = {
        "organisation": organisation,
        "inviter": by,
        "new_user": new_user,
        "link": links(user, new_user),
    }
    body = render_to_string("organisations/email/invitation.txt", context)
    # A line break in a name would end the Subject header (Django then refuses to send at all).
    subject = " ".join(f"You have been invited to {organisation} on Involve".split())
    # Sent before the membership is committed, so that a mail server that is down leaves no membership
    # behind that nobody was told about: the administrator sees the error and can simply try again.
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
    except (smtplib.SMTPException, OSError, BadHeaderError):
        logger.exception("The invitation email to a new member could not be sent")
        raise ValidationError(
            "The invitation email could not be sent, so no one has been added. Try again later, or ask your "
            "IT service desk to check Involve's email settings."
        ) from None
    return membership


@transaction.atomic
def membership_update(*, by, membership, role, equality_data_access, revision=None):
    others = _other_admins(membership.organisation, membership)

    def check(record):
        if record.role != Role.ADMINISTRATOR and not others and _was_admin(record):
            raise ValidationError(
                {
                    "role": "Every organisation needs at least one administrator. Make someone else "
                    "an administrator first."
                }
            )

    return writes.update(
        membership,
        by=by,
        action="membership.update",
        fields=MEMBERSHIP_FIELDS,
        changes={"role": role, "equality_data_access": equality_data_access},
        version=revision,
        validate=check,
        label=membership.user.email,
    )


def _was_admin(membership):
    return Membership.objects.filter(pk=membership.pk, role=Role.ADMINISTRATOR).exists()


@transaction.atomic
def membership_remove(*, by, membership):
    others = _other_admins(membership.organisation, membership)
    membership = writes.lock(membership)
    if membership.role == Role.ADMINISTRATOR and not others:
        raise ValidationError("Every organisation needs at least one administrator, so the last one cannot be removed.")
    audit.record(
        action="membership.remove",
        by=by,
        organisation=membership.organisation_id,
        target=membership,
        target_label=membership.user.email,
        old={"role": membership.role},
    )
    membership.delete()
