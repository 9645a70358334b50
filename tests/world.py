"""The shared cast plus what every page needs to show something (see tests/e2e/pages.py OBJECTS):
used by the browser walk and by the form round-trip tests, so both visit the same pages."""

from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from involve.core.models import TaskRun
from involve.organisations.models import Membership, Role


def build_world(cast):
    """`walker` administers org_a, is a viewer in org_b (so the header offers a switch) and signs in
    with an authenticator app, so the two-factor pages have something to show."""
    w = cast
    w.walker = cast.a_administrator
    Membership.objects.create(user=w.walker, organisation=cast.org_b, role=Role.VIEWER)
    w.totp_secret = generate_totp_secret()
    TOTP.activate(w.walker, w.totp_secret)
    RecoveryCodes.activate(w.walker)
    w.membership = Membership.objects.get(user=cast.a_viewer)
    w.task_run = TaskRun.objects.create(
        organisation=cast.org_a,
        requested_by=w.walker,
        kind="export",
        label="Members export",
        status=TaskRun.Status.DONE,
        done=3,
        total=3,
        result_file=default_storage.save("tasks/members.csv", ContentFile(b"email\n")),
        result_name="members.csv",
    )
    return w
