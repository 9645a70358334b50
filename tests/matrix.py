"""One role × URL matrix for the whole project.

Each app's test package declares its rows in its own `matrix.py` (tests/organisations/matrix.py,
tests/audit/matrix.py, tests/engagement/matrix.py) by calling `declare`; the app's role tests
(test_permissions.py) read their rows from there. tests/project/test_matrix.py walks every URL
pattern the resolver knows and fails on any that is neither declared by some app nor in EXEMPT
with a reason, so a new page cannot escape the role tests.
"""

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path

from involve.organisations.models import Role
from involve.organisations.permissions import ROLE_ACTIONS, Action

# Kinds of URL, which decide what each person should get (see the app's test_permissions.py).
LIST = "list"  # every signed-in member; the page holds only what they may read
CREATE = "create"  # in the person's active organisation, if their role allows the action
OBJECT = "object"  # one record: another organisation's does not exist for them
PAGE = "page"  # a page of the active organisation (or one it owns), if the role allows the action


# The cast (tests/conftest.py) by name, and the role each acts in; the outsider belongs nowhere.
PEOPLE = [f"a_{r.value}" for r in Role] + [f"b_{r.value}" for r in Role] + ["region_reader", "trust_admin", "outsider"]
ROLE_OF = {f"{p}_{r.value}": r for p in "ab" for r in Role} | {
    "region_reader": Role.VIEWER,
    "trust_admin": Role.ADMINISTRATOR,
}


def expected_status(person, action, kind=OBJECT):
    """What `person` should get for a GET of an org_a URL of `kind` that needs `action`."""
    if person == "outsider":
        return 404 if kind == OBJECT else 403
    allowed = action in ROLE_ACTIONS[ROLE_OF[person]]
    if kind == LIST:
        return 200
    if kind == CREATE:
        # Everyone creates in their own active organisation, if their role allows it.
        return 200 if allowed else 403
    if person.startswith("a_"):
        return 200 if allowed else 403
    if person == "region_reader":
        # Reads the records of organisations below, never changes them.
        return 200 if action == Action.VIEW else 403
    # org_b, and org_a's own trust (below it), cannot even see that org_a's records exist.
    return 404


def role_failures(client, person, rows, url_of, scorecard):
    """GET every (name, arg, action, kind) row as `person`; the rows answered otherwise than
    expected_status says, as lines for the assertion. Requests for a record that does not exist for the
    person (another organisation's) are added to the scorecard's cross-organisation row."""
    failures, cross_org, cross_org_2xx = [], 0, 0
    for name, arg, action, kind in rows:
        status = client.get(url_of(name, arg)).status_code
        want = expected_status(person, action, kind)
        if status != want:
            failures.append(f"{name}({arg}): {status}, expected {want}")
        if want == 404:  # org_a's record, asked for by someone it does not exist for
            cross_org += 1
            cross_org_2xx += 200 <= status < 300
    if cross_org:
        scorecard.add(scorecard.CROSS_ORG_2XX, found=cross_org_2xx, checked=cross_org)
    return failures


@dataclass(frozen=True)
class Row:
    name: str  # the URL name, with its namespace ("engagement:decision_list")
    needs: str | None  # the object (or fixed argument) the URL takes; None for no argument
    action: Action  # the Action needed
    kind: str  # LIST, CREATE, OBJECT or PAGE


# {app: [Row]} and {url name: why no role row}, filled by the apps' matrix modules.
ROWS: dict[str, list[Row]] = {}

_ALLAUTH = "django-allauth's sign-in, password and two-factor pages: tests/organisations/test_auth.py"

# URLs with no row, and why. The apps add their own through `declare(..., exempt=...)`.
EXEMPT: dict[str, str] = {
    # Public pages (tests/project/test_default_deny.py keeps them the only ones).
    "health": "load balancer probe, public, says only 'ok'",
    "accessibility": "the accessibility statement, public",
    "roles": "the role × action table, public and holds no data",
    # Every signed-in person's own pages, whatever their role.
    "home": "everyone's own work list: tests/site/test_home.py",
    "account_settings": "everyone's own account page: tests/organisations/test_auth.py",
    "organisations:switch": "chooses among the person's own organisations: tests/organisations/test_permissions.py",
    "task_run": "the starter's own background task: tests/core/test_tasks.py, tests/audit/test_audit.py",
    "task_run_download": "the starter's own task result: tests/audit/test_audit.py",
    # django-allauth.
    **{
        name: _ALLAUTH
        for name in (
            "account_login",
            "account_logout",
            "account_inactive",
            "account_signup",
            "account_reauthenticate",
            "account_request_reauthentication_code",
            "account_confirm_reauthentication_code",
            "account_email",
            "account_email_verification_sent",
            "account_change_password",
            "account_set_password",
            "account_reset_password",
            "account_confirm_login_code",
            "account_confirm_email",
            "account_reset_password_from_key_done",
            "account_reset_password_from_key",
            "account_reset_password_done",
            "mfa_index",
            "mfa_authenticate",
            "mfa_reauthenticate",
            "mfa_activate_totp",
            "mfa_deactivate_totp",
            "mfa_view_recovery_codes",
            "mfa_generate_recovery_codes",
            "mfa_download_recovery_codes",
        )
    },
}


def declare(app: str, rows: list[Row], exempt: dict[str, str] | None = None) -> list[Row]:
    """Record an app's rows (and URLs it exempts, with reasons); returns the rows."""
    assert app not in ROWS or ROWS[app] == rows, f"{app} declared its rows twice"
    ROWS[app] = rows
    for name, reason in (exempt or {}).items():
        assert reason, f"{name}: an exemption needs a reason"
        assert EXEMPT.get(name, reason) == reason, f"{name} exempted twice"
        EXEMPT[name] = reason
    return rows


def load_declarations():
    """Import every app's tests/<app>/matrix.py; returns ({url name: [apps declaring it]}, EXEMPT)."""
    here = Path(__file__).parent
    for package in pkgutil.iter_modules([str(here)]):
        if package.ispkg and (here / package.name / "matrix.py").exists():
            importlib.import_module(f"{__package__}.{package.name}.matrix")
    declared = {}
    for app, rows in ROWS.items():
        for row in rows:
            declared.setdefault(row.name, [])
            if app not in declared[row.name]:
                declared[row.name].append(app)
    return declared, EXEMPT


def join_parts(package: str, parts) -> tuple:
    """One area's declarations joined from its spec_<part>.py modules (any name may be missing):
    (ROWS, EXEMPT, OBJECTS, FORMS, FORM_EXEMPT, PUBLIC)."""
    rows, exempt, objects, forms, form_exempt, public = [], {}, {}, {}, {}, set()
    for part in parts:
        module = importlib.import_module(f"{package}.spec_{part}")
        rows += getattr(module, "ROWS", [])
        exempt |= getattr(module, "EXEMPT", {})
        objects |= getattr(module, "OBJECTS", {})
        forms |= getattr(module, "FORMS", {})
        form_exempt |= getattr(module, "FORM_EXEMPT", {})
        public |= set(getattr(module, "PUBLIC", ()))
    return rows, exempt, objects, forms, form_exempt, public
