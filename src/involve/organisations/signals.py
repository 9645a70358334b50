"""Sign-in, sign-out, failed sign-ins and two-factor changes go to the audit log (ASVS 16.3.1).

Each event is written once in every organisation the person belongs to, so that the administrators
of each see it on their audit log page (which reads one organisation's events, by an index). A failed
sign-in for an address that has no account belongs to no organisation: no administrator sees it.
"""

from allauth.mfa.signals import authentication_failed, authenticator_added, authenticator_removed
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from involve.audit import services as audit
from involve.core.middleware import start_session_clock

from .adapters import account_locked
from .models import Membership


def _record_for_person(user, **event):
    """The event in each of the person's organisations (with none, once with no organisation)."""
    organisation_ids = [None]
    if user is not None:
        organisation_ids = sorted(Membership.objects.filter(user_id=user.pk).values_list("organisation_id", flat=True))
    for organisation_id in organisation_ids or [None]:
        audit.record(organisation=organisation_id, **event)


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    start_session_clock(request)
    _record_for_person(user, action="auth.login", by=user, target=user, target_label=user.email)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        _record_for_person(user, action="auth.logout", by=user, target=user, target_label=user.email)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, refused=False, locked_out=False, **kwargs):
    # Only the address typed is kept, never the password.
    email = str(credentials.get("email") or credentials.get("username") or "")[:254]
    if not refused and request is not None and email:
        # This failure may have used up the account's last attempt: say so on the event that locked it.
        locked_out = account_locked(request, email)
    new = {}
    if refused:
        new["refused"] = True
        if not locked_out:
            new["address_limited"] = True
    if locked_out:
        new["locked_out"] = True
    user = get_user_model()._default_manager.filter(email__iexact=email).first() if email else None
    _record_for_person(user, action="auth.login_failed", target=user, target_label=email, new=new)


@receiver(authentication_failed)
def _mfa_failed(sender, request, user, authenticator, reauthentication=False, locked_out=False, **kwargs):
    # A wrong two-factor code: the password was right, so someone may have it.
    new = {"type": authenticator.type} if authenticator is not None else {}
    if locked_out:
        new["locked_out"] = True
    _record_for_person(user, action="auth.mfa_failed", target=user, target_label=user.email, new=new)


@receiver(authenticator_added)
def _mfa_added(sender, request, user, authenticator, **kwargs):
    _record_for_person(
        user, action="auth.mfa_added", by=user, target=user, target_label=user.email, new={"type": authenticator.type}
    )


@receiver(authenticator_removed)
def _mfa_removed(sender, request, user, authenticator, **kwargs):
    _record_for_person(
        user, action="auth.mfa_removed", by=user, target=user, target_label=user.email, old={"type": authenticator.type}
    )
