"""Nothing sent to a signed-in person is stored by the browser or a cache on the way (ASVS 14.3.2):
pages, exports and downloads carry personal data, and a shared computer's back button or a proxy's
cache would show them to the next person. Static files stay cacheable."""

import pytest
from django.urls import reverse

from ..world import build_world

pytestmark = pytest.mark.django_db

PAGES = [
    ("home", []),
    ("organisations:list", []),
    ("account_settings", []),
    ("audit:list", []),
    ("engagement:decision_list", []),
    ("engagement:decision_export", ["csv"]),
    ("mfa_index", []),
]


def directives(response) -> set[str]:
    return {d.strip().split("=")[0] for d in response.get("Cache-Control", "").split(",") if d.strip()}


@pytest.fixture
def world(cast):
    return build_world(cast)


def test_every_response_to_a_signed_in_person_is_private_and_not_stored(world, client_for):
    client = client_for(world.walker)
    responses = {name: client.get(reverse(name, args=args)) for name, args in PAGES}
    responses["task result download"] = client.get(reverse("task_run_download", args=[world.task_run.pk]))
    responses["page not found"] = client.get("/no-such-page/")
    for label, response in responses.items():
        expected = 404 if label == "page not found" else 200
        assert response.status_code == expected, label
        assert {"no-store", "private"} <= directives(response), label
        assert "public" not in directives(response), label
    assert "attachment" in responses["task result download"]["Content-Disposition"]


def test_static_files_stay_cacheable_for_a_signed_in_person(cast, client_for):
    response = client_for(cast.a_viewer).get("/static/involve/main.js")
    assert response.status_code == 200
    assert "no-store" not in directives(response)


def test_an_anonymous_page_is_left_as_it_is(client):
    # The accessibility statement holds nothing personal: no reason to stop it being cached.
    assert "no-store" not in directives(client.get(reverse("accessibility")))
