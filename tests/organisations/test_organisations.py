import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from involve.audit.models import AuditEvent
from involve.organisations import services
from involve.organisations.models import Membership, Organisation, Role, Succession, User

from ..factories import make_member, make_organisation

pytestmark = pytest.mark.django_db


def test_subtree_follows_the_hierarchy(cast):
    subtree = set(Organisation.objects.subtree(cast.org_a))
    assert subtree == {cast.org_a, cast.org_a_trust}
    assert set(Organisation.objects.subtree(cast.region)) == {cast.region, cast.org_a, cast.org_b, cast.org_a_trust}


def test_moving_an_organisation_moves_its_subtree(cast):
    services.organisation_update(by=cast.a_administrator, organisation=cast.org_a, parent=cast.org_b)
    cast.org_a_trust.refresh_from_db()
    assert set(Organisation.objects.subtree(cast.org_b)) == {cast.org_b, cast.org_a, cast.org_a_trust}
    assert cast.org_a_trust.ancestor_ids() == [cast.national.pk, cast.region.pk, cast.org_b.pk, cast.org_a.pk]


def test_an_organisation_cannot_sit_below_itself(cast):
    with pytest.raises(ValidationError):
        services.organisation_update(by=None, organisation=cast.org_a, parent=cast.org_a_trust)
    cast.org_a.refresh_from_db()
    assert cast.org_a.parent == cast.region


def test_create_writes_an_audit_event(cast):
    org = services.organisation_create(
        by=cast.a_administrator, name="Gamma Trust", kind="trust", parent=cast.org_a, ods_code=" rgg "
    )
    event = AuditEvent.objects.get(action="organisation.create", target_id=str(org.pk))
    assert org.ods_code == "RGG"
    assert event.actor_id == cast.a_administrator.pk
    assert event.new["name"] == "Gamma Trust" and event.new["parent"] == cast.org_a.pk


def test_update_audits_only_what_changed(cast):
    services.organisation_update(by=cast.a_administrator, organisation=cast.org_a, name="NHS Alpha and Omega ICB")
    event = AuditEvent.objects.filter(action="organisation.update").latest("id")
    assert event.old == {"name": "NHS Alpha ICB"} and event.new == {"name": "NHS Alpha and Omega ICB"}


def test_ods_codes_are_unique(cast):
    with pytest.raises(ValidationError):
        services.organisation_create(by=None, name="Copy", kind="icb", ods_code="QAA")


def test_lineage_rolls_predecessors_into_successors(cast):
    ccg1 = make_organisation("Old CCG 1", Organisation.Kind.CCG, parent=cast.region)
    ccg2 = make_organisation("Old CCG 2", Organisation.Kind.CCG, parent=cast.region)
    older = make_organisation("Older PCT", Organisation.Kind.OTHER, parent=cast.region)
    july = datetime.date(2022, 7, 1)
    services.succession_record(by=None, predecessor=ccg1, successor=cast.org_a, effective_date=july)
    services.succession_record(by=None, predecessor=ccg2, successor=cast.org_a, effective_date=july)
    services.succession_record(by=None, predecessor=older, successor=ccg1, effective_date=datetime.date(2013, 4, 1))
    assert services.lineage_ids(cast.org_a) == {cast.org_a.pk, ccg1.pk, ccg2.pk, older.pk}
    assert services.lineage_ids(cast.org_b) == {cast.org_b.pk}


def test_succession_cycles_are_refused(cast):
    services.succession_record(
        by=None, predecessor=cast.org_b, successor=cast.org_a, effective_date=datetime.date(2022, 7, 1)
    )
    with pytest.raises(ValidationError):
        services.succession_record(
            by=None, predecessor=cast.org_a, successor=cast.org_b, effective_date=datetime.date(2023, 7, 1)
        )
    assert Succession.objects.count() == 1


def test_the_last_administrator_cannot_be_demoted_or_removed(cast):
    admin = Membership.objects.get(user=cast.a_administrator)
    with pytest.raises(ValidationError):
        services.membership_update(
            by=cast.a_administrator, membership=admin, role=Role.VIEWER, equality_data_access=False
        )
    with pytest.raises(ValidationError):
        services.membership_remove(by=cast.a_administrator, membership=admin)
    admin.refresh_from_db()
    assert admin.role == Role.ADMINISTRATOR


def test_role_change_and_removal_are_audited(cast):
    second = make_member(cast.org_a, Role.ADMINISTRATOR)
    membership = Membership.objects.get(user=second)
    services.membership_update(
        by=cast.a_administrator, membership=membership, role=Role.CONTRIBUTOR, equality_data_access=True
    )
    services.membership_remove(by=cast.a_administrator, membership=membership)
    update, remove = AuditEvent.objects.filter(action__startswith="membership.").order_by("id")
    assert update.old == {"role": "administrator", "equality_data_access": False}
    assert update.new == {"role": "contributor", "equality_data_access": True}
    assert remove.action == "membership.remove" and remove.target_label == second.email
    assert not Membership.objects.filter(user=second).exists()


def test_invite_creates_the_account_once(cast, rf, mailoutbox):
    request = rf.get("/")
    services.member_invite(
        by=cast.a_administrator,
        links=services.invitation_links(request),
        organisation=cast.org_a,
        email="New.Person@Example.nhs.uk",
        role=Role.CONTRIBUTOR,
    )
    with pytest.raises(ValidationError):
        services.member_invite(
            by=cast.a_administrator,
            links=services.invitation_links(request),
            organisation=cast.org_a,
            email="new.person@example.nhs.uk",
            role=Role.VIEWER,
        )
    membership = Membership.objects.get(user__email="new.person@example.nhs.uk")
    assert membership.role == Role.CONTRIBUTOR
    assert not membership.user.has_usable_password()
    assert AuditEvent.objects.filter(action="membership.invite", target_label="new.person@example.nhs.uk").exists()


def test_inviting_an_existing_person_adds_a_membership(cast, rf, mailoutbox):
    services.member_invite(
        by=cast.b_administrator,
        links=services.invitation_links(rf.get("/")),
        organisation=cast.org_b,
        email=cast.a_viewer.email,
        role=Role.VIEWER,
    )
    assert set(Membership.objects.filter(user=cast.a_viewer).values_list("organisation", flat=True)) == {
        cast.org_a.pk,
        cast.org_b.pk,
    }


class MailServerDown(BaseEmailBackend):
    """An email backend whose server cannot be reached (settings.EMAIL_BACKEND in the test below)."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the mail server is down")


@pytest.mark.parametrize("email", ["new.person@example.nhs.uk", "b.viewer@example.nhs.uk"])
def test_an_invitation_that_cannot_be_emailed_leaves_nothing_behind(
    cast, client_for, settings, django_capture_on_commit_callbacks, email
):
    settings.EMAIL_BACKEND = f"{__name__}.MailServerDown"
    client = client_for(cast.a_administrator)
    people, memberships, events = User.objects.count(), Membership.objects.count(), AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as after_commit:
        response = client.post(reverse("organisations:invite"), {"email": email, "role": Role.CONTRIBUTOR})
    assert response.status_code == 400
    assert "The invitation email could not be sent, so no one has been added" in response.content.decode()
    assert not after_commit  # no email left to send later either
    assert (User.objects.count(), Membership.objects.count(), AuditEvent.objects.count()) == (
        people,
        memberships,
        events,
    )


def test_a_line_break_in_an_organisation_name_does_not_stop_an_invitation(cast, rf, mailoutbox):
    # The forms refuse line breaks in names (tests/project/test_forms.py), but one already stored must not
    # reach the Subject header either.
    Organisation.objects.filter(pk=cast.org_a.pk).update(name="NHS Alpha ICB\r\nBcc: x@example.com")
    cast.org_a.refresh_from_db()
    services.member_invite(
        by=cast.a_administrator,
        links=services.invitation_links(rf.get("/")),
        organisation=cast.org_a,
        email="new.person@example.nhs.uk",
        role=Role.VIEWER,
    )
    assert mailoutbox[0].subject == "You have been invited to NHS Alpha ICB Bcc: x@example.com on Involve"
    assert mailoutbox[0].to == ["new.person@example.nhs.uk"] and not mailoutbox[0].bcc


XSS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


@pytest.mark.parametrize("payload", XSS)
def test_names_are_escaped_on_every_page_that_shows_them(cast, client_for, payload):
    from django.urls import reverse

    services.organisation_update(by=None, organisation=cast.org_a, name=f"Alpha {payload}")
    cast.a_viewer.first_name = payload
    cast.a_viewer.save()
    admin = client_for(cast.a_administrator)
    pages = [
        admin.get(reverse("home")),
        admin.get(reverse("organisations:list")),
        admin.get(reverse("organisations:detail", args=[cast.org_a.pk])),
        admin.get(reverse("organisations:members")),
        admin.get(reverse("audit:list")),
        client_for(cast.a_viewer).get(reverse("account_settings")),
    ]
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert payload not in html, response.request["PATH_INFO"]


@pytest.mark.parametrize("name", ["organisations:list", "organisations:members"])
def test_list_query_counts_do_not_grow_with_rows(cast, client_for, django_assert_max_num_queries, name):
    from django.urls import reverse

    client = client_for(cast.a_administrator)
    for i in range(3):
        make_member(cast.org_a, Role.VIEWER)
        make_organisation(f"Small trust {i}", Organisation.Kind.TRUST, parent=cast.org_a)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse(name))
    for i in range(40):
        make_member(cast.org_a, Role.VIEWER)
        make_organisation(f"More trust {i}", Organisation.Kind.TRUST, parent=cast.org_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse(name))
