import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_unknown_address_gets_the_designed_page(cast, client_for):
    response = client_for(cast.a_viewer).get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html and "nhsuk-header" in html


def test_forbidden_gets_the_designed_page(cast, client_for):
    response = client_for(cast.a_viewer).get(reverse("organisations:members"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "You cannot do that" in html and "nhsuk-header" in html


def test_server_error_gets_the_designed_page_and_no_details(cast, client_for, monkeypatch):
    from involve.site import views

    def broken(request):
        raise RuntimeError("secret detail: DATABASE password=hunter2")

    monkeypatch.setattr(views, "render", lambda *a, **k: broken(None))
    client = client_for(cast.a_viewer)
    client.raise_request_exception = False
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in html
    assert "hunter2" not in html and "Traceback" not in html and "RuntimeError" not in html


@pytest.mark.django_db
def test_a_form_refused_for_its_missing_cookie_says_what_to_do(cast):
    # A person whose browser blocks cookies sends no CSRF cookie: they learn that nothing was sent and why.
    from django.test import Client

    from ..consultations.factories import make_consultation, make_question

    consultation = make_consultation(cast.org_a)
    make_question(consultation, "single_choice", required=True)
    url = reverse("have_your_say:respond", kwargs={"org": cast.org_a.pk, "slug": consultation.slug})
    response = Client(enforce_csrf_checks=True).post(url, {"q_q1": "c1"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "This form could not be sent" in html and "cookies" in html and "Nothing you typed" in html
