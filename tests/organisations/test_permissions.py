"""Every role against every foundation page: who gets the page, who is refused, who is told it does not exist."""

import pytest
from django.urls import reverse

from involve.organisations.models import Membership, Organisation, Role
from involve.organisations.permissions import ROLE_ACTIONS, Action, membership_allows, table

from ..audit.matrix import ROWS as AUDIT_ROWS
from .matrix import ROWS as ORGANISATION_ROWS

pytestmark = pytest.mark.django_db

A_ROLES = ["a_administrator", "a_engagement_lead", "a_contributor", "a_viewer"]
B_ROLES = ["b_administrator", "b_engagement_lead", "b_contributor", "b_viewer"]


def test_the_role_table_is_what_the_docs_say():
    assert ROLE_ACTIONS[Role.VIEWER] == {Action.VIEW}
    assert ROLE_ACTIONS[Role.CONTRIBUTOR] == {Action.VIEW, Action.EDIT}
    assert ROLE_ACTIONS[Role.ENGAGEMENT_LEAD] == {Action.VIEW, Action.EDIT, Action.MANAGE}
    assert ROLE_ACTIONS[Role.ADMINISTRATOR] == {
        Action.VIEW,
        Action.EDIT,
        Action.MANAGE,
        Action.MANAGE_MEMBERS,
        Action.VIEW_AUDIT,
    }
    assert len(table()) == len(Action)


@pytest.mark.parametrize("role", list(Role))
def test_equality_data_needs_the_add_on_whatever_the_role(role):
    assert not membership_allows(Membership(role=role, equality_data_access=False), Action.VIEW_EQUALITY_DATA)
    assert membership_allows(Membership(role=role, equality_data_access=True), Action.VIEW_EQUALITY_DATA)


def _status(client_for, user, url, method="get", data=None):
    return getattr(client_for(user), method)(url, data or {}).status_code


# (url name, needs an org_a object, action needed): the foundation's rows of the matrix (tests/matrix.py).
PAGES = [(row.name, row.needs, row.action) for row in ORGANISATION_ROWS + AUDIT_ROWS]


def _url(cast, name, needs):
    if needs == "org":
        return reverse(name, args=[cast.org_a.pk])
    if needs == "membership":
        return reverse(name, args=[Membership.objects.get(user=cast.a_viewer).pk])
    return reverse(name)


@pytest.mark.parametrize(("name", "needs", "action"), PAGES)
@pytest.mark.parametrize("who", A_ROLES)
def test_each_role_in_the_organisation(cast, client_for, name, needs, action, who):
    role = Membership.objects.get(user=getattr(cast, who)).role
    expected = 200 if action in ROLE_ACTIONS[role] else 403
    assert _status(client_for, getattr(cast, who), _url(cast, name, needs)) == expected


@pytest.mark.parametrize(("name", "needs", "action"), [p for p in PAGES if p[1]])
@pytest.mark.parametrize("who", B_ROLES + ["outsider"])
def test_another_organisations_objects_do_not_exist(cast, client_for, name, needs, action, who, scorecard):
    url = _url(cast, name, needs)
    statuses = [
        _status(client_for, getattr(cast, who), url),
        _status(client_for, getattr(cast, who), url, "post", {"role": "administrator", "name": "x"}),
    ]
    scorecard.add(scorecard.CROSS_ORG_2XX, found=sum(200 <= s < 400 for s in statuses), checked=len(statuses))
    assert statuses == [404, 404]


@pytest.mark.parametrize(("name", "needs", "action"), [p for p in PAGES if p[1]])
def test_region_reads_but_never_changes(cast, client_for, name, needs, action):
    expected = 200 if action == Action.VIEW else 403
    assert _status(client_for, cast.region_reader, _url(cast, name, needs)) == expected


def test_cross_organisation_posts_change_nothing(cast, client_for):
    target = Membership.objects.get(user=cast.a_viewer)
    client = client_for(cast.b_administrator)
    client.post(reverse("organisations:member_edit", args=[target.pk]), {"role": "administrator"})
    client.post(reverse("organisations:member_remove", args=[target.pk]))
    client.post(reverse("organisations:edit", args=[cast.org_a.pk]), {"name": "Taken over", "kind": "icb"})
    client.post(reverse("organisations:add_child", args=[cast.org_a.pk]), {"name": "Planted", "kind": "trust"})
    target.refresh_from_db()
    cast.org_a.refresh_from_db()
    assert target.role == Role.VIEWER
    assert cast.org_a.name == "NHS Alpha ICB"
    assert not Organisation.objects.filter(name="Planted").exists()


def test_switching_only_to_your_own_organisations(cast, client_for):
    person = cast.a_viewer
    Membership.objects.create(user=person, organisation=cast.org_b, role=Role.ENGAGEMENT_LEAD)
    client = client_for(person)
    assert "NHS Alpha ICB" in client.get(reverse("home")).content.decode()
    response = client.post(reverse("organisations:switch"), {"organisation": cast.org_b.pk})
    assert response.status_code == 302
    page = client.get(reverse("home")).content.decode()
    assert "NHS Beta ICB" in page and "engagement lead" in page
    # An organisation they do not belong to is refused and the choice stays as it was.
    client.post(reverse("organisations:switch"), {"organisation": cast.national.pk})
    assert "NHS Beta ICB" in client.get(reverse("home")).content.decode()


def test_someone_with_no_organisation_sees_nothing(cast, client_for):
    client = client_for(cast.outsider)
    assert "not a member of any organisation" in client.get(reverse("home")).content.decode()
    assert client.get(reverse("organisations:list")).status_code == 403
