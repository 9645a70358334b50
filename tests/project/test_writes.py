"""The audited-write kit (involve.audit.writes) as people meet it: two people editing the same record
never silently overwrite each other, a record deleted while someone edits it gets a clear page, and an
organisation can never lose its last administrator, even to two administrators at the same moment."""

import threading

import pytest
from django.db import connection, transaction
from django.urls import reverse

from involve.audit.models import AuditEvent
from involve.core.conflicts import RecordGone, StaleEdit
from involve.engagement import services
from involve.engagement.models import Programme
from involve.organisations import services as org_services
from involve.organisations.models import Membership, Role

from ..engagement.factories import make_decision, make_programme
from ..factories import make_member
from .test_forms import as_submitted, main_form


def _open(client, url):
    return as_submitted(main_form(client.get(url).content.decode()))


def test_a_stale_form_gets_a_conflict_page_that_keeps_both_versions(cast, client_for):
    programme = make_programme(cast.org_a, "Maternity", description="Original")
    url = reverse("engagement:programme_edit", args=[programme.pk])
    ellen, sam = client_for(cast.a_engagement_lead), client_for(cast.a_contributor)
    ellens_form, sams_form = _open(ellen, url), _open(sam, url)

    ellens_form["description"] = ["Ellen's words"]
    assert ellen.post(url, ellens_form).status_code == 302
    sams_form["description"] = ["Sam's words"]
    conflict = sam.post(url, sams_form)
    html = conflict.content.decode()
    assert conflict.status_code == 409
    assert "Someone else saved changes to this record after you opened it" in html
    assert "Ellen&#39;s words" in html and "Sam&#39;s words" in html  # theirs in the table, Sam's in the form
    programme.refresh_from_db()
    assert programme.description == "Ellen's words"  # nothing overwritten yet

    # Saving the conflict page again is Sam's deliberate choice, and it is kept.
    again = as_submitted(main_form(html))
    assert again["description"] == ["Sam's words"]
    assert sam.post(url, again).status_code == 302
    programme.refresh_from_db()
    assert programme.description == "Sam's words" and programme.revision == 3
    assert AuditEvent.objects.filter(action="programme.update", target_id=str(programme.pk)).count() == 2


def test_the_service_refuses_an_old_revision(cast):
    decision = make_decision(cast.org_a, title="Hubs")
    services.decision_update(by=cast.a_contributor, decision=decision, revision=1, title="Hubs, v2")
    with pytest.raises(StaleEdit) as caught:
        services.decision_update(by=cast.a_contributor, decision=decision, revision=1, title="Hubs, v3")
    assert caught.value.current.title == "Hubs, v2"


def test_a_record_deleted_while_someone_edits_it_gets_a_page_with_what_they_typed(cast, client_for):
    programme = make_programme(cast.org_a, "Cancer")
    url = reverse("engagement:programme_edit", args=[programme.pk])
    client = client_for(cast.a_engagement_lead)
    data = _open(client, url)
    data["description"] = ["Words worth keeping"]
    real_update = services.writes.update

    def deleted_meanwhile(instance, **kwargs):
        Programme.objects.filter(pk=instance.pk).delete()
        return real_update(instance, **kwargs)

    services.writes.update = deleted_meanwhile
    try:
        response = client.post(url, data)
    finally:
        services.writes.update = real_update
    assert response.status_code == 404
    html = response.content.decode()
    assert "This record has been deleted" in html and "Words worth keeping" in html


def test_record_gone_from_the_kit(cast):
    programme = make_programme(cast.org_a, "Gone")
    Programme.objects.filter(pk=programme.pk).delete()
    with pytest.raises(RecordGone):
        services.programme_update(by=cast.a_contributor, programme=programme, name="Back")


def test_saving_unchanged_writes_no_revision_and_no_event(cast):
    programme = make_programme(cast.org_a, "Same")
    before = AuditEvent.objects.count()
    saved = services.programme_update(by=cast.a_contributor, programme=programme, revision=1, name="Same")
    assert saved.revision == 1 and AuditEvent.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_two_administrators_demoting_each_other_at_once_leave_one(cast):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time, so the race cannot happen there")
    first = Membership.objects.get(user=cast.a_administrator)
    second = Membership.objects.get(user=make_member(cast.org_a, Role.ADMINISTRATOR))
    barrier = threading.Barrier(2)
    outcomes = []

    def demote(by, membership):
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                org_services.membership_update(
                    by=by, membership=membership, role=Role.VIEWER, equality_data_access=False
                )
            outcomes.append("demoted")
        except Exception as exc:  # the refusal is a ValidationError
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=demote, args=(second.user, first)),
        threading.Thread(target=demote, args=(first.user, second)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["ValidationError", "demoted"]
    assert Membership.objects.filter(organisation=cast.org_a, role=Role.ADMINISTRATOR).count() == 1


def test_the_conflict_page_names_the_ticks_of_both_versions(cast, client_for):
    decision = make_decision(cast.org_a, title="Hubs")
    url = reverse("engagement:decision_edit", args=[decision.pk])
    first, second = client_for(cast.a_engagement_lead), client_for(cast.a_contributor)
    first_form, second_form = _open(first, url), _open(second, url)
    first_form["affected_organisations"] = [str(cast.org_b.pk)]
    assert first.post(url, first_form).status_code == 302
    second_form["affected_organisations"] = [str(cast.org_a_trust.pk)]
    response = second.post(url, second_form)
    html = response.content.decode()
    assert response.status_code == 409
    # Theirs in the table, and the second person's tick kept in the form.
    assert cast.org_b.name in html and cast.org_a_trust.name in html
    assert as_submitted(main_form(html))["affected_organisations"] == [str(cast.org_a_trust.pk)]


EDITORS = 20


def _count_lost_updates(decision, outcomes):
    """Lost updates: saves accepted beyond the first from one revision, plus a stored title no accepted save wrote."""
    saved = [title for kind, title in outcomes if kind == "saved"]
    decision.refresh_from_db()
    return max(len(saved) - 1, 0) + (decision.title not in saved)


@pytest.mark.django_db(transaction=True)
def test_twenty_people_saving_the_same_revision_at_once_lose_nothing(cast, scorecard):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time; the test below covers it one after another")
    decision = make_decision(cast.org_a, title="Hubs")
    barrier = threading.Barrier(EDITORS)
    outcomes = []

    def save(n):
        try:
            stale = type(decision).objects.get(pk=decision.pk)
            barrier.wait(timeout=20)
            services.decision_update(by=cast.a_contributor, decision=stale, revision=1, title=f"Hubs, by editor {n}")
            outcomes.append(("saved", f"Hubs, by editor {n}"))
        except StaleEdit:
            outcomes.append(("conflict", None))
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(EDITORS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    lost = _count_lost_updates(decision, outcomes)
    scorecard.add(scorecard.LOST_UPDATES, found=lost, checked=len(outcomes))
    assert len(outcomes) == EDITORS
    assert lost == 0
    assert [kind for kind, _ in outcomes].count("conflict") == EDITORS - 1


def test_twenty_saves_of_one_revision_one_after_another_keep_the_first(cast, scorecard):
    decision = make_decision(cast.org_a, title="Hubs")
    outcomes = []
    for n in range(EDITORS):
        try:
            services.decision_update(by=cast.a_contributor, decision=decision, revision=1, title=f"Hubs, by {n}")
            outcomes.append(("saved", f"Hubs, by {n}"))
        except StaleEdit:
            outcomes.append(("conflict", None))
    lost = _count_lost_updates(decision, outcomes)
    scorecard.add(scorecard.LOST_UPDATES, found=lost, checked=len(outcomes))
    assert lost == 0 and decision.title == "Hubs, by 0"


@pytest.mark.django_db(transaction=True)
def test_an_activity_and_its_decision_edited_at_the_same_moment_both_save(cast):
    """Every audited write takes the audit log's turn (its chain head) before it locks any record, so an
    activity edit (which then updates its decision's involvement facts) and an edit of that decision,
    at the same moment, queue one behind the other instead of each holding what the other waits for."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time, so the two cannot cross there")
    from involve.engagement.models import Activity, Decision

    from ..engagement.factories import make_activity

    decision = make_decision(cast.org_a, title="Hubs")
    activity = make_activity(cast.org_a, "Listening event", decisions=[decision])
    failures = []
    for round_ in range(8):
        barrier = threading.Barrier(2)

        def edit_activity(n=round_):
            try:
                current = Activity.objects.get(pk=activity.pk)
                barrier.wait(timeout=20)
                services.activity_update(by=cast.a_contributor, activity=current, title=f"Listening event {n}")
            except Exception as exc:  # a deadlock is an OperationalError
                failures.append(f"activity: {type(exc).__name__}: {exc}")
            finally:
                connection.close()

        def edit_decision(n=round_):
            try:
                current = Decision.objects.get(pk=decision.pk)
                barrier.wait(timeout=20)
                services.decision_update(by=cast.a_contributor, decision=current, title=f"Hubs {n}")
            except Exception as exc:
                failures.append(f"decision: {type(exc).__name__}: {exc}")
            finally:
                connection.close()

        threads = [threading.Thread(target=edit_activity), threading.Thread(target=edit_decision)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert failures == []
    assert Decision.objects.get(pk=decision.pk).title == "Hubs 7"
