"""Audit actions for organisations, people and signing in, each with the phrase the audit log reads."""

from involve.audit.registry import register_actions, register_field_labels, register_link, register_value_labels

register_actions(
    {
        "organisation.create": "added the organisation",
        "organisation.update": "changed the details of",
        "succession.create": "recorded the succession",
        "membership.invite": "invited",
        "membership.update": "changed the role of",
        "membership.remove": "removed {record} from the organisation",
        "auth.login_failed": "failed to sign in as",
        "auth.mfa_failed": "entered a wrong two-factor code for",
    }
)
register_actions(
    {
        "auth.login": "signed in",
        "auth.logout": "signed out",
        "auth.mfa_added": "set up two-factor authentication",
        "auth.mfa_removed": "removed two-factor authentication",
    },
    names_record=False,
)

register_link("organisations.organisation", "organisations:detail", organisation_field="")

register_field_labels("organisations.organisation", {"parent": "sits below", "kind": "type of organisation"})
register_field_labels("organisations.succession", {"predecessor": "predecessor", "successor": "successor"})
register_field_labels("membership.invite", {"new_account": "new account created"})
register_field_labels("organisations.membership", {"equality_data_access": "may see equality monitoring data"})
register_field_labels(
    "auth.login_failed",
    {
        "locked_out": "account locked after too many failed sign-ins",
        "refused": "refused without checking the password",
        "address_limited": "too many sign-ins from the same network address",
    },
)
for action in ("auth.mfa_failed", "auth.mfa_added", "auth.mfa_removed"):
    register_field_labels(action, {"type": "authenticator"})
register_field_labels("auth.mfa_failed", {"locked_out": "refused after too many wrong codes"})
# Two-factor events are about a person: their "type" is the kind of authenticator, in words.
register_value_labels(
    "organisations.user",
    "type",
    {"totp": "authenticator app", "recovery_codes": "recovery codes", "webauthn": "security key"},
)
