"""Every role, every engagement URL: who may see and change what, and isolation between organisations.

The cast (tests/conftest.py) has every role in org_a and org_b, a region reader above both, an
administrator of org_a's trust (below org_a) and an outsider. All the records are org_a's.
"""

import pytest
from django.apps import apps
from django.urls import reverse

from involve.audit.middleware import ACCESS_ACTIONS
from involve.audit.models import AuditEvent
from involve.organisations.permissions import ROLE_ACTIONS, Action

from ..matrix import EXEMPT, OBJECT, PEOPLE, ROLE_OF, role_failures
from .factories import TODAY
from .matrix import ROWS

pytestmark = pytest.mark.django_db

# (url name, record whose pk is the argument (or a fixed argument), action needed, kind of URL):
# the engagement rows of the matrix (tests/matrix.py), declared in matrix.py.
URLS = [(row.name.removeprefix("engagement:"), row.needs, row.action, row.kind) for row in ROWS]
OBJECT_URLS = [u for u in URLS if u[3] == OBJECT]
CHANGE_URLS = [u for u in OBJECT_URLS if u[2] != Action.VIEW]


def _url(records, name, arg):
    if arg is None:
        return reverse(f"engagement:{name}")
    if arg in ("csv", "xlsx"):
        return reverse(f"engagement:{name}", args=[arg])
    return reverse(f"engagement:{name}", args=[getattr(records, arg).pk])


@pytest.mark.parametrize("person", PEOPLE)
def test_every_role_on_every_url(cast, records, client_for, person, scorecard):
    client = client_for(getattr(cast, person))
    url_of = lambda name, arg: _url(records, name, arg)  # noqa: E731
    assert not role_failures(client, person, URLS, url_of, scorecard)


def test_the_matrix_covers_every_engagement_url():
    from involve.engagement import urls

    # Exempt in matrix.py: tested in test_evidence.py and test_coversheet.py.
    documents = {name.removeprefix("engagement:") for name in EXEMPT if name.startswith("engagement:")}
    names = set()
    for pattern in urls.urlpatterns:
        names |= {p.name for p in getattr(pattern, "url_patterns", [pattern])}
    assert names - documents == {u[0] for u in URLS}


def test_anonymous_people_are_sent_to_sign_in(records, client):
    for name, arg, _, _ in URLS:
        response = client.get(_url(records, name, arg))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


# What a POST to each change URL would do if the checks let it through: valid data, so that a
# missing check shows as a changed database rather than a form error.
def _post_data(records, cast):
    def date(prefix, d):
        return {f"{prefix}-day": d.day, f"{prefix}-month": d.month, f"{prefix}-year": d.year}

    return {
        "decision_edit": {"title": "Changed by someone else", "kind": "operational"},
        "decision_screen": {
            "affects_services": "no",
            "affects_rationale": "x",
            "substantial_variation": "no",
            "duty_status": "not_applicable",
        },
        "decision_delete": {},
        "cover_sheet_details": {"meeting": "Board of someone else", "purpose": "decision"},
        "activity_edit": {
            "title": "Changed by someone else",
            "method": "survey",
            "ladder_level": "inform",
            "state": "taking_place",
            **date("starts_on", TODAY),
            "public_partners": 0,
        },
        "activity_feedback": {"feedback_what": "x", "feedback_how": "y", **date("feedback_given_on", TODAY)},
        "activity_delete": {},
        "programme_edit": {"name": "Changed by someone else"},
        "programme_delete": {},
        "objective_add": {"title": "New objective", "status": "on_track"},
        "objective_edit": {"title": "Changed by someone else", "status": "on_track"},
        "objective_delete": {},
        "milestone_add": {"title": "New milestone", **date("due_date", TODAY)},
        "milestone_edit": {"title": "Changed by someone else", **date("due_date", TODAY)},
        "milestone_delete": {},
        "partner_edit": {"name": "Changed by someone else", "kind": "vcse"},
        "partner_delete": {},
        "terms_add": {"version": "9", **date("agreed_on", TODAY)},
        "terms_edit": {"version": "10", **date("agreed_on", TODAY)},
        "terms_delete": {},
        "audience_edit": {"name": "Changed by someone else", "active": "on"},
    }


def database_state():
    """Every engagement row (and the M2M links), and the number of audit events."""
    state = {}
    for model in apps.get_app_config("engagement").get_models():
        state[model._meta.label] = list(model.objects.order_by("pk").values())
        for m2m in model._meta.local_many_to_many:
            through = m2m.remote_field.through
            state[through._meta.label] = list(through.objects.order_by("pk").values())
    # Downloads and refusals are logged (audit.middleware), but they change no record.
    state["audit"] = AuditEvent.objects.exclude(action__in=ACCESS_ACTIONS).count()
    return state


def test_the_post_data_would_change_things_when_allowed(cast, records, client_for):
    # Guard for the tests below: with the right role the same POSTs succeed.
    client = client_for(cast.a_administrator)
    data = _post_data(records, cast)
    for name, arg, _, _ in CHANGE_URLS:
        if name.endswith("_delete"):
            continue
        before = database_state()
        response = client.post(_url(records, name, arg), data[name])
        assert response.status_code == 302, (name, response.content.decode()[:3000])
        assert database_state() != before, name


@pytest.mark.parametrize("person", ["b_administrator", "b_engagement_lead", "trust_admin"])
def test_cross_organisation_posts_are_404_and_change_nothing(cast, records, client_for, person, scorecard):
    client = client_for(getattr(cast, person))
    data = _post_data(records, cast)
    before = database_state()
    statuses = {name: client.post(_url(records, name, arg), data[name]).status_code for name, arg, _, _ in CHANGE_URLS}
    answered = [name for name, status in statuses.items() if 200 <= status < 400]  # a redirect means it saved
    scorecard.add(scorecard.CROSS_ORG_2XX, found=len(answered), checked=len(statuses))
    assert {name: status for name, status in statuses.items() if status != 404} == {}
    assert database_state() == before


@pytest.mark.parametrize("person", ["region_reader", "a_viewer", "a_contributor"])
def test_posts_without_permission_are_403_and_change_nothing(cast, records, client_for, person):
    client = client_for(getattr(cast, person))
    data = _post_data(records, cast)
    before = database_state()
    for name, arg, action, _ in CHANGE_URLS:
        response = client.post(_url(records, name, arg), data[name])
        if action in ROLE_ACTIONS[ROLE_OF[person]] and person != "region_reader":
            continue
        assert response.status_code == 403, name
    if person != "a_contributor":  # a contributor's own allowed edits change things, checked elsewhere
        assert database_state() == before


@pytest.mark.parametrize("name", ["decision_add", "activity_add", "programme_add", "partner_add", "audience_add"])
def test_a_region_reader_cannot_create_records(cast, client_for, name):
    client = client_for(cast.region_reader)
    before = database_state()
    assert client.post(reverse(f"engagement:{name}"), {"title": "x", "name": "x"}).status_code == 403
    assert database_state() == before


def test_a_region_reader_sees_every_icb_below_but_no_change_links(cast, records, client_for):
    from .factories import make_decision

    make_decision(cast.org_b, "Beta decision")
    client = client_for(cast.region_reader)
    html = client.get(reverse("engagement:decision_list")).content.decode()
    assert records.decision.title in html and "Beta decision" in html
    html = client.get(reverse("engagement:decision_detail", args=[records.decision.pk])).content.decode()
    for name in ("decision_edit", "decision_screen", "decision_delete"):
        assert reverse(f"engagement:{name}", args=[records.decision.pk]) not in html
    assert "Add a decision" not in client.get(reverse("engagement:decision_list")).content.decode()


def test_lists_and_exports_hold_only_what_the_person_may_read(cast, records, client_for):
    from .factories import make_decision

    make_decision(cast.org_b, "Beta private decision")
    a_html = client_for(cast.a_viewer).get(reverse("engagement:decision_list")).content.decode()
    b_html = client_for(cast.b_viewer).get(reverse("engagement:decision_list")).content.decode()
    assert records.decision.title in a_html and "Beta private decision" not in a_html
    assert "Beta private decision" in b_html and records.decision.title not in b_html


def test_the_national_audiences_cannot_be_edited_by_anyone(cast, client_for):
    from involve.engagement.models import AudienceTag

    national = AudienceTag.objects.filter(organisation=None).first()
    for person in ("a_administrator", "region_reader"):
        response = client_for(getattr(cast, person)).get(reverse("engagement:audience_edit", args=[national.pk]))
        assert response.status_code == 404
