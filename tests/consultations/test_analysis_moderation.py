"""Moderation: personal details found and masked (many examples and counter-examples), and the
moderation queue and decision pages."""

import pytest
from django.urls import reverse

from involve.audit.models import AuditEvent
from involve.consultations import moderation
from involve.consultations.models import Answer, Question, Response

from .factories import make_consultation, make_question, make_response

M = moderation


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Email addresses.
        ("Write to jo.bloggs+nhs@example.nhs.uk today", "Write to [email address] today"),
        ("me@gmail.com", "[email address]"),
        # Phone numbers.
        ("Ring 07700 900123", "Ring [phone number]"),
        ("Ring 07700900123.", "Ring [phone number]."),
        ("on 0113 496 0000 or (0113) 496 0001", "on [phone number] or [phone number]"),
        ("+44 7700 900123", "[phone number]"),
        ("+44 (0)20 7946 0958", "[phone number]"),
        ("020-7946-0958", "[phone number]"),
        # NHS numbers with a valid modulus 11 check digit, with or without spaces.
        ("NHS number 943 476 5919", "NHS number [NHS number]"),
        ("9434765919", "[NHS number]"),
        ("943-476-5919", "[NHS number]"),
        ("my number is 401 023 2137.", "my number is [NHS number]."),
        # Postcodes.
        ("I live in LS1 4AP near the station", "I live in [postcode] near the station"),
        ("ls14ap", "[postcode]"),
        ("SW1A 1AA", "[postcode]"),
        ("M1 1AE", "[postcode]"),
        # Names.
        ("Dr Patel was kind", "[name] was kind"),
        ("Mrs O'Brien and Mr McDonald", "[name] and [name]"),
        ("Nurse Jenny Smith-Jones helped", "[name] helped"),
        ("Hello, my name is Sarah Jones.", "Hello, my name is [name]."),
        ("My name is Tom", "My name is [name]"),
        ("I'm called Priya", "I'm called [name]"),
        ("John Smith and Fatima Khan were there", "[name] and [name] were there"),
    ],
)
def test_personal_details_are_masked(text, expected):
    assert M.masked(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # Dates, times, prices, reference numbers and counts are not personal details.
        "I was seen on 01/02/2024 at 10:30",
        "On 2024-01-15 and 15.01.2024",
        "It cost £1,234,567.89, or £1234567890",
        "Reference 1234567890 from the letter",  # fails the check digit
        "Order 9434765918",  # one digit off a valid NHS number
        "REF-9434765919",  # part of a reference
        "Case 12/9434765919",
        "Invoice 20240115",
        "It took 3 weeks and 2 days, 45 minutes",
        "The Royal Infirmary on Monday was busy",
        "Ward 5 and Clinic 12B",
        "Covid 19 vaccine in May",
        "We waited from 9am to 5pm",
        "Parking is easy",
        "The doctor was kind",
        "Version 2.0.1 of the app",
        "call 111 or 999",
    ],
)
def test_things_that_are_not_personal_details_are_left_alone(text):
    assert M.masked(text) == text


def test_the_nhs_number_check_digit():
    assert M.nhs_number_is_valid("9434765919")
    assert not M.nhs_number_is_valid("9434765918")
    assert not M.nhs_number_is_valid("1234567890")
    assert not M.nhs_number_is_valid("943476591")
    # A first nine digits whose check digit would be 10 make no valid NHS number, whatever the tenth.
    prefix = next(
        p
        for p in (f"{n:09d}" for n in range(100_000_000, 100_001_000))
        if 11 - sum(int(d) * w for d, w in zip(p, range(10, 1, -1), strict=True)) % 11 == 10
    )
    assert not any(M.nhs_number_is_valid(prefix + d) for d in "0123456789")


def test_findings_are_listed():
    text, found = M.mask("Dr Patel, 07700 900123, a@b.org")
    assert text == "[name], [phone number], [email address]"
    assert {f.kind for f in found} == {M.NAME, M.PHONE, M.EMAIL}


# The moderation flow


@pytest.fixture
def queue(cast):
    c = make_consultation(cast.org_a, title="Moderated")
    text = make_question(c, Question.Kind.FREE_TEXT, "Tell us more", code="more")
    choice = make_question(c, Question.Kind.SINGLE_CHOICE, code="choice")
    consenting = make_response(c, {text: "Dr Patel saw me, ring 07700 900123", choice: "c1"}, publish_consent=True)
    silent = make_response(c, {choice: "c1"}, publish_consent=True)  # wrote nothing
    private = make_response(c, {text: "Do not publish this"}, publish_consent=False)
    return c, consenting, silent, private, text


def _post(client, response, decision, masked=None, seen=None):
    answer = response.answers.get(question__kind="free_text") if masked is not None else None
    data = {f"r{response.pk}-decision": decision, f"r{response.pk}-seen": seen or M.seen_token(response)}
    if answer is not None:
        data[f"r{response.pk}-masked_{answer.pk}"] = masked
    return client.post(reverse("consultations:moderate", args=[response.pk]), data)


@pytest.mark.django_db
def test_the_queue_lists_consenting_responses_with_text_and_shows_originals_only_to_moderators(cast, client_for, queue):
    c, consenting, silent, private, _ = queue
    url = reverse("consultations:moderation", args=[c.pk])
    html = client_for(cast.a_engagement_lead).get(url).content.decode()
    assert consenting.reference in html and silent.reference not in html and private.reference not in html
    assert "Dr Patel saw me" in html and "[name] saw me, ring [phone number]" in html
    viewer = client_for(cast.a_viewer).get(url).content.decode()
    assert "[name] saw me, ring [phone number]" in viewer and "Dr Patel" not in viewer and "07700" not in viewer
    assert 'method="post"' not in viewer.split("<main", 1)[1]


@pytest.mark.django_db
def test_approving_stores_the_reviewed_masked_text_and_is_audited(cast, client_for, queue):
    c, consenting, *_ = queue
    client = client_for(cast.a_engagement_lead)
    response = _post(client, consenting, M.APPROVE, masked="[name] saw me, ring [phone number] (edited)")
    assert response.status_code == 302
    consenting.refresh_from_db()
    assert consenting.moderation == Response.Moderation.APPROVED and consenting.moderated_by == cast.a_engagement_lead
    answer = Answer.objects.get(response=consenting, question__kind="free_text")
    assert answer.masked_text == "[name] saw me, ring [phone number] (edited)"
    assert answer.text == "Dr Patel saw me, ring 07700 900123"  # the original is kept
    event = AuditEvent.objects.get(action="response.moderate")
    assert event.new["moderation"] == "approved" and "Patel" not in str(event.new) + str(event.old)


@pytest.mark.django_db
def test_leaving_it_for_now_stores_nothing(cast, client_for, queue):
    c, consenting, *_ = queue
    response = _post(client_for(cast.a_engagement_lead), consenting, M.LEAVE, masked="changed")
    assert response.status_code == 302
    assert Answer.objects.get(response=consenting, question__kind="free_text").masked_text == ""
    assert not AuditEvent.objects.filter(action="response.moderate").exists()


@pytest.mark.django_db
def test_a_second_moderator_with_an_old_page_is_told_and_nothing_is_saved(cast, client_for, queue):
    c, consenting, *_ = queue
    seen = M.seen_token(consenting)
    assert _post(client_for(cast.a_engagement_lead), consenting, M.WITHHOLD, masked="x", seen=seen).status_code == 302
    response = _post(client_for(cast.a_administrator), consenting, M.APPROVE, masked="y", seen=seen)
    assert response.status_code == 302 and response["Location"] == reverse(
        "consultations:moderate", args=[consenting.pk]
    )
    consenting.refresh_from_db()
    assert consenting.moderation == Response.Moderation.WITHHELD
    assert AuditEvent.objects.filter(action="response.moderate").count() == 1


@pytest.mark.django_db
def test_a_response_without_consent_cannot_be_approved(cast, queue):
    c, _, _, private, _ = queue
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        M.moderate_response(
            by=cast.a_engagement_lead, response=private, decision=M.APPROVE, masked_texts={}, seen=M.seen_token(private)
        )
    private.refresh_from_db()
    assert private.moderation == Response.Moderation.NOT_REVIEWED


@pytest.mark.django_db
def test_an_empty_or_bad_decision_is_a_form_error(cast, client_for, queue):
    c, consenting, *_ = queue
    client = client_for(cast.a_engagement_lead)
    url = reverse("consultations:moderate", args=[consenting.pk])
    for data in ({}, {f"r{consenting.pk}-decision": "publish_everything"}):
        response = client.post(url, data)
        html = response.content.decode()
        assert response.status_code == 400 and "There is a problem" in html
        assert "This field is required" not in html and "Select a valid choice" not in html
    consenting.refresh_from_db()
    assert consenting.moderation == Response.Moderation.NOT_REVIEWED


@pytest.mark.django_db
def test_the_queue_filters_by_state_and_paginates(cast, client_for, queue):
    c, consenting, _, _, text = queue
    for i in range(25):
        make_response(c, {text: f"Comment {i}"}, publish_consent=True)
    client = client_for(cast.a_engagement_lead)
    url = reverse("consultations:moderation", args=[c.pk])
    html = client.get(url).content.decode()
    assert "Showing 1 to 20 of 26 responses" in html
    assert "Showing 21 to 26 of 26" in client.get(url, {"page": 2}).content.decode()
    _post(client, consenting, M.WITHHOLD, masked="x")
    withheld = client.get(url, {"state": "withheld"}).content.decode()
    assert (
        consenting.reference in withheld and "of 1 response" in withheld or "Showing 1 to 1 of 1 response" in withheld
    )
    assert client.get(url, {"state": "nonsense"}).status_code == 200


@pytest.mark.django_db
def test_the_queue_takes_the_same_number_of_queries_however_many_responses(cast, client_for, queue):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c, _, _, _, text = queue
    client = client_for(cast.a_engagement_lead)
    url = reverse("consultations:moderation", args=[c.pk])

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    client.get(url)
    few = count()
    for i in range(15):
        make_response(c, {text: f"Comment {i}"}, publish_consent=True)
    assert count() == few
