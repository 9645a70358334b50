from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.utils.functional import lazy


def _lockout_message() -> str:
    return (
        f"You have tried to sign in too many times. Wait {settings.LOGIN_LOCKOUT_MINUTES} minutes, then "
        "try again, or reset your password."
    )


class InviteOnlyAccountAdapter(DefaultAccountAdapter):
    """Nobody signs themselves up: an organisation's administrator invites them."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # The same words for an unknown address as for a wrong password, so nobody can find out who has an account.
        "email_password_mismatch": "The email address or password is not right. Check them and try again.",
        # Lazy, so that the wait shown is the one configured when the page is shown.
        "too_many_login_attempts": lazy(_lockout_message, str)(),
        "enter_current_password": "Enter your current password.",
    }

    def is_open_for_signup(self, request):
        return False

    def pre_authenticate(self, request, **credentials):
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            # A locked-out attempt is refused before the password is checked, so Django sends no
            # user_login_failed; send it here so that the audit log sees every refused sign-in.
            user_login_failed.send(
                sender=__name__, credentials={"email": credentials.get("email", "")}, request=request, locked_out=True
            )
            raise


class InvolveMFAAdapter(DefaultMFAAdapter):
    """Two-factor errors in plain words, saying what to do next."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": "That code is not right. Enter the code your authenticator app shows now.",
    }
