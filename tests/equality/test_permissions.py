"""Every role on every equality URL. Equality answers are readable person by person only with the
equality-data permission (an add-on to a membership that no role grants): the records page is a 403
for everyone else, whatever their role; the report shows aggregates to anyone who may read the
organisation's records; the lookups need MANAGE."""

import pytest
from django.urls import reverse

from involve.equality.models import EqualityRecord
from involve.organisations.permissions import ROLE_ACTIONS, Action

from ..consultations import spec_equality
from ..matrix import PEOPLE, ROLE_OF

pytestmark = pytest.mark.django_db


def expected(person, action):
    if person == "outsider":
        return 403
    if action == Action.VIEW_EQUALITY_DATA:
        return 403  # nobody in the cast has the add-on
    return 200 if action in ROLE_ACTIONS[ROLE_OF[person]] else 403


def test_every_equality_url_is_declared():
    from involve.equality import urls

    assert {f"equality:{p.name}" for p in urls.urlpatterns} == {row[0] for row in spec_equality.ROWS}


@pytest.mark.parametrize("person", PEOPLE)
def test_every_role_on_every_equality_url(cast, client_for, person):
    client = client_for(getattr(cast, person))
    failures = []
    for name, _, action, _ in spec_equality.ROWS:
        status = client.get(reverse(name)).status_code
        if status != expected(person, action):
            failures.append(f"{name}: {status}, expected {expected(person, action)}")
    assert not failures


def test_anonymous_people_are_sent_to_sign_in(client):
    for name, *_ in spec_equality.ROWS:
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


def _record(org, subject_id, **answers):
    return EqualityRecord.objects.create(
        organisation=org, subject_kind="consultation_response", subject_id=subject_id, **answers
    )


def test_the_equality_data_permission_opens_the_records_of_the_active_organisation_only(
    cast, client_for, with_equality_access
):
    _record(cast.org_a, 101, religion="buddhist")
    _record(cast.org_b, 202, religion="sikh")
    response = client_for(with_equality_access).get(reverse("equality:records"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Buddhist" in html and "Sikh" not in html and "101" in html


@pytest.mark.parametrize("person", ["a_administrator", "a_engagement_lead", "region_reader", "b_administrator"])
def test_without_the_permission_no_person_level_answer_is_shown_anywhere(cast, client_for, person):
    for i in range(6):
        _record(cast.org_a, 500 + i, religion="buddhist" if i < 5 else "jewish", sex="female")
    client = client_for(getattr(cast, person))
    assert client.get(reverse("equality:records")).status_code == 403
    html = client.get(reverse("equality:report")).content.decode()
    # Aggregates only: the 5 Buddhists as a total; the one Jewish answer is a small number, not shown.
    assert "Person-level equality records" not in html
    assert "505" not in html and "Consultation response 50" not in html
    if person != "b_administrator":
        assert "Buddhist" in html


def test_a_post_to_the_lookups_without_manage_is_403_and_imports_nothing(cast, client_for):
    from involve.equality.models import PostcodeArea

    client = client_for(cast.a_contributor)
    response = client.post(reverse("equality:lookups"), {})
    assert response.status_code == 403 and PostcodeArea.objects.count() == 0
