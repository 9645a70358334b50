"""Sign-in, sign-out, failed sign-ins and two-factor changes go to the audit log (ASVS 16.3.1)."""

from allauth.mfa.signals import authentication_failed, authenticator_added, authenticator_removed
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from involve.audit import services as audit
from involve.core.middleware import start_session_clock


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    start_session_clock(request)
    audit.record(action="auth.login", by=user, target=user, target_label=user.email)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(action="auth.logout", by=user, target=user, target_label=user.email)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, locked_out=False, **kwargs):
    # Only the address typed is kept, never the password.
    email = str(credentials.get("email") or credentials.get("username") or "")[:254]
    audit.record(action="auth.login_failed", target_label=email, new={"locked_out": True} if locked_out else None)


@receiver(authentication_failed)
def _mfa_failed(sender, request, user, authenticator, reauthentication=False, **kwargs):
    # A wrong two-factor code: the password was right, so someone may have it.
    audit.record(action="auth.mfa_failed", target=user, target_label=user.email, new={"type": authenticator.type})


@receiver(authenticator_added)
def _mfa_added(sender, request, user, authenticator, **kwargs):
    audit.record(
        action="auth.mfa_added", by=user, target=user, target_label=user.email, new={"type": authenticator.type}
    )


@receiver(authenticator_removed)
def _mfa_removed(sender, request, user, authenticator, **kwargs):
    audit.record(
        action="auth.mfa_removed", by=user, target=user, target_label=user.email, old={"type": authenticator.type}
    )
