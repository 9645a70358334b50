"""Changes to organisations, successions and memberships. Each writes its audit event."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from involve.audit import services as audit

from .models import Membership, Organisation, Role, Succession, User

ORGANISATION_FIELDS = ["name", "kind", "ods_code", "parent", "valid_from", "valid_to"]


def _set_path(org: Organisation):
    parent_path = org.parent.path if org.parent_id else "/"
    org.path = f"{parent_path}{org.pk}/"
    Organisation.objects.filter(pk=org.pk).update(path=org.path)


@transaction.atomic
def organisation_create(*, by, name, kind, parent=None, ods_code="", valid_from=None, valid_to=None):
    org = Organisation(
        name=name, kind=kind, parent=parent, ods_code=(ods_code or "").strip().upper(),
        valid_from=valid_from, valid_to=valid_to,
    )
    org.full_clean(exclude=["path"])
    org.save()
    _set_path(org)
    audit.record(action="organisation.create", by=by, organisation=org, target=org,
                 new=audit.snapshot(org, ORGANISATION_FIELDS))
    return org


@transaction.atomic
def organisation_update(*, by, organisation, **changes):
    old = audit.snapshot(organisation, ORGANISATION_FIELDS)
    if "ods_code" in changes:
        changes["ods_code"] = (changes["ods_code"] or "").strip().upper()
    for name, value in changes.items():
        setattr(organisation, name, value)
    if organisation.parent_id and organisation.pk in (organisation.parent.ancestor_ids() + [organisation.parent_id]):
        raise ValidationError({"parent": "An organisation cannot sit below itself."})
    organisation.full_clean(exclude=["path"])
    organisation.save()
    if old["parent"] != organisation.parent_id:
        # Moving an organisation moves its whole subtree: rewrite every descendant's path.
        old_path = organisation.path
        _set_path(organisation)
        for child in Organisation.objects.filter(path__startswith=old_path).exclude(pk=organisation.pk):
            Organisation.objects.filter(pk=child.pk).update(path=organisation.path + child.path[len(old_path):])
    before, after = audit.changed(old, audit.snapshot(organisation, ORGANISATION_FIELDS))
    audit.record(action="organisation.update", by=by, organisation=organisation, target=organisation,
                 old=before, new=after)
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
    audit.record(action="succession.create", by=by, organisation=successor, target=succession,
                 new={"predecessor": predecessor.pk, "successor": successor.pk, "effective_date": effective_date})
    return succession


def lineage_ids(organisation) -> set[int]:
    """The organisation and all its predecessors, however many mergers back, for trend roll-ups."""
    found = {organisation.pk}
    frontier = {organisation.pk}
    while frontier:
        frontier = set(
            Succession.objects.filter(successor_id__in=frontier).values_list("predecessor_id", flat=True)
        ) - found
        found |= frontier
    return found


def _count_admins(organisation, exclude_pk=None):
    qs = Membership.objects.filter(organisation=organisation, role=Role.ADMINISTRATOR)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.count()


def _invitation_link(request, user):
    # allauth's own password-reset key, so the invited person sets a password through its checked flow.
    from allauth.account.adapter import get_adapter
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str
    from allauth.core import context

    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    # allauth reads the request from its own context (set by its middleware in a real request).
    with context.request_context(request):
        return get_adapter().get_reset_password_from_key_url(key)


@transaction.atomic
def member_invite(*, by, request, organisation, email, role, equality_data_access=False, first_name="",
                  last_name=""):
    """Add someone to an organisation and email them; a new person gets a link to set their password."""
    email = User.objects.normalize_email(email).strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    new_user = user is None
    if new_user:
        user = User.objects.create_user(email=email, first_name=first_name, last_name=last_name)
    if Membership.objects.filter(user=user, organisation=organisation).exists():
        raise ValidationError({"email": f"{email} is already a member of {organisation}."})
    membership = Membership.objects.create(
        user=user, organisation=organisation, role=role, equality_data_access=equality_data_access,
        invited_by_id=by.pk if by else None,
    )
    audit.record(action="membership.invite", by=by, organisation=organisation, target=membership,
                 target_label=email, new={"role": role, "equality_data_access": equality_data_access,
                                          "new_account": new_user})
    context = {
        "organisation": organisation, "inviter": by, "new_user": new_user,
        "link": _invitation_link(request, user) if new_user else request.build_absolute_uri(reverse("account_login")),
    }
    body = render_to_string("organisations/email/invitation.txt", context)
    transaction.on_commit(lambda: send_mail(
        f"You have been invited to {organisation} on Involve", body, settings.DEFAULT_FROM_EMAIL, [email]))
    return membership


@transaction.atomic
def membership_update(*, by, membership, role, equality_data_access):
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if (membership.role == Role.ADMINISTRATOR and role != Role.ADMINISTRATOR
            and _count_admins(membership.organisation, exclude_pk=membership.pk) == 0):
        raise ValidationError({"role": "Every organisation needs at least one administrator. Make someone else "
                                       "an administrator first."})
    old = audit.snapshot(membership, ["role", "equality_data_access"])
    membership.role = role
    membership.equality_data_access = equality_data_access
    membership.full_clean()
    membership.save()
    before, after = audit.changed(old, audit.snapshot(membership, ["role", "equality_data_access"]))
    audit.record(action="membership.update", by=by, organisation=membership.organisation_id, target=membership,
                 target_label=membership.user.email, old=before, new=after)
    return membership


@transaction.atomic
def membership_remove(*, by, membership):
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if membership.role == Role.ADMINISTRATOR and _count_admins(membership.organisation, exclude_pk=membership.pk) == 0:
        raise ValidationError("Every organisation needs at least one administrator, so the last one cannot be "
                              "removed.")
    audit.record(action="membership.remove", by=by, organisation=membership.organisation_id, target=membership,
                 target_label=membership.user.email, old={"role": membership.role})
    membership.delete()
