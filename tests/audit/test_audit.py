import csv
import io
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from involve.audit import presenters, registry
from involve.audit import services as audit
from involve.audit.models import AuditEvent
from involve.audit.selectors import EXPORT_HEADER
from involve.core.models import TaskRun
from involve.engagement import services as engagement
from involve.engagement.models import Decision, LegalDuty, Programme

from ..engagement.factories import days, make_decision, make_programme

pytestmark = pytest.mark.django_db

# Throwaway actions these tests write; record() refuses anything not registered.
TEST_ACTIONS = {
    "test.thing": "tested",
    "test.other": "tested again",
    "test.alpha": "tested alpha",
    "test.beta": "tested beta",
    "test.xss": "tested escaping on",
    "test.many": "tested many",
    "test.long": "tested long values on",
}


@pytest.fixture(autouse=True)
def _test_actions():
    registry.register_actions(TEST_ACTIONS)
    yield
    registry.unregister_actions(TEST_ACTIONS)


def test_events_cannot_be_changed_or_deleted(cast):
    event = audit.record(action="test.thing", by=cast.a_viewer, organisation=cast.org_a)
    event.action = "test.other"
    with pytest.raises(PermissionDenied):
        event.save()
    with pytest.raises(PermissionDenied):
        event.delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.thing"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_postgresql_refuses_raw_updates_and_deletes(cast):
    event = audit.record(action="test.thing", by=cast.a_viewer, organisation=cast.org_a)
    for sql in ("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", "DELETE FROM audit_auditevent WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, action="test.thing").exists()


def test_erasing_a_person_leaves_the_trail(cast):
    audit.record(action="test.thing", by=cast.a_viewer, organisation=cast.org_a)
    user_id = cast.a_viewer.pk
    cast.a_viewer.delete()
    assert AuditEvent.objects.filter(actor_id=user_id).exists()


def test_a_failed_change_leaves_no_audit_event(cast):
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(action="test.thing", by=cast.a_viewer, organisation=cast.org_a)
        raise RuntimeError
    assert AuditEvent.objects.count() == before


def test_administrators_see_only_their_organisations_events(cast, client_for):
    audit.record(action="test.alpha", by=cast.a_viewer, organisation=cast.org_a, target_label="alpha-thing")
    audit.record(action="test.beta", by=cast.b_viewer, organisation=cast.org_b, target_label="beta-thing")
    page = client_for(cast.a_administrator).get(reverse("audit:list")).content.decode()
    assert "alpha-thing" in page and "beta-thing" not in page


def test_filters_narrow_the_list(cast, client_for):
    audit.record(action="test.alpha", by=cast.a_viewer, organisation=cast.org_a, target_label="first-thing")
    audit.record(action="test.other", by=cast.a_contributor, organisation=cast.org_a, target_label="second-thing")
    client = client_for(cast.a_administrator)
    page = client.get(reverse("audit:list"), {"action": "test.alpha"}).content.decode()
    assert "first-thing" in page and "second-thing" not in page
    page = client.get(reverse("audit:list"), {"actor": "a.contributor"}).content.decode()
    assert "second-thing" in page and "first-thing" not in page


def test_dates_out_of_order_are_an_error_not_a_crash(cast, client_for):
    response = client_for(cast.a_administrator).get(
        reverse("audit:list"),
        {
            "date_from-day": "10",
            "date_from-month": "5",
            "date_from-year": "2026",
            "date_to-day": "1",
            "date_to-month": "5",
            "date_to-year": "2026",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "end date must be on or after the start date" in page


def test_user_text_in_the_audit_log_is_escaped(cast, client_for):
    audit.record(
        action="test.xss",
        by=cast.a_viewer,
        organisation=cast.org_a,
        target_label="<script>alert(1)</script>",
        new={"name": '"><img src=x onerror=alert(1)>'},
    )
    page = client_for(cast.a_administrator).get(reverse("audit:list")).content.decode()
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_export_runs_as_a_task_and_downloads_a_safe_csv(cast, client_for, django_capture_on_commit_callbacks):
    audit.record(action="test.alpha", by=cast.a_viewer, organisation=cast.org_a, target_label='=HYPERLINK("x")')
    audit.record(action="test.beta", by=cast.b_viewer, organisation=cast.org_b, target_label="beta-thing")
    client = client_for(cast.a_administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("audit:export"))
    run = TaskRun.objects.get()
    run.refresh_from_db()
    assert response["Location"] == reverse("task_run", args=[run.pk])
    assert run.status == TaskRun.Status.DONE and run.percent == 100
    assert "Download" in client.get(reverse("task_run", args=[run.pk])).content.decode()
    download = client.get(reverse("task_run_download", args=[run.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    labels = [r[6] for r in rows[1:]]
    assert '\'=HYPERLINK("x")' in labels
    assert "beta-thing" not in labels
    # The export itself is audited.
    assert AuditEvent.objects.filter(action="audit.export", actor_id=cast.a_administrator.pk).exists()


def test_someone_elses_task_result_does_not_exist(cast, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(cast.a_administrator).post(reverse("audit:export"))
    run = TaskRun.objects.get()
    for who in (cast.b_administrator, cast.a_viewer, cast.region_reader):
        assert client_for(who).get(reverse("task_run_download", args=[run.pk])).status_code == 404
        assert client_for(who).get(reverse("task_run", args=[run.pk])).status_code == 404


def test_export_needs_post(cast, client_for):
    assert client_for(cast.a_administrator).get(reverse("audit:export")).status_code == 405


def test_audit_list_query_count_does_not_grow(cast, client_for, django_assert_max_num_queries):
    client = client_for(cast.a_administrator)
    client.get(reverse("audit:list"))
    for i in range(60):
        audit.record(action="test.many", by=cast.a_viewer, organisation=cast.org_a, target_label=f"row {i}")
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("audit:list"))
    for i in range(60):
        audit.record(action="test.many", by=cast.a_viewer, organisation=cast.org_a, target_label=f"more {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("audit:list"))


# Plain language, names of related records, links, the registry and the CSV's rows per field.


def _page(client, **params):
    return client.get(reverse("audit:list"), params).content.decode()


def _two_duties():
    return (LegalDuty.objects.get(code="s14Z45"), LegalDuty.objects.get(code="Equality Act s149"))


def _screen(by, decision, duties):
    return engagement.decision_screen(
        by=by,
        decision=decision,
        affects_services="yes",
        affects_rationale="Moves clinics",
        duty_status="plan_in_progress",
        duties=list(duties),
    )


def test_every_action_in_use_is_registered_with_a_phrase():
    phrases = registry.actions()
    for code in (
        "decision.screen",
        "programme.create",
        "evidence.upload",
        "evidence.download",
        "auth.login",
        "auth.login_failed",
        "membership.invite",
        "succession.create",
        "organisation.update",
        "audit.export",
        "audience_tag.update",
        "activity.feedback",
        "terms.delete",
    ):
        assert phrases[code] and phrases[code] != code
    assert phrases["decision.screen"] == "changed the screening of"
    assert phrases["programme.create"] == "added the programme"


def test_an_unregistered_action_is_refused(cast):
    with pytest.raises(registry.UnknownAuditAction):
        audit.record(action="decision.scren", by=cast.a_viewer, organisation=cast.org_a)
    assert not AuditEvent.objects.filter(action="decision.scren").exists()


def test_a_screening_change_reads_in_plain_words_with_duty_names(cast, client_for):
    cast.a_engagement_lead.first_name, cast.a_engagement_lead.last_name = "Ellen", "Morris"
    cast.a_engagement_lead.save()
    decision = make_decision(
        cast.org_a, title="Locations of the new community mental health hubs", planned_date=days(30)
    )
    s14z45, s149 = _two_duties()
    _screen(cast.a_engagement_lead, decision, [s14z45, s149])
    _screen(cast.a_engagement_lead, decision, [s14z45])
    event = AuditEvent.objects.filter(action="decision.screen").latest("id")
    # old/new keep plain ids (so changed() compares what is stored); the names sit beside them.
    assert event.old == {"duties": sorted([s14z45.pk, s149.pk])} and event.new == {"duties": [s14z45.pk]}
    assert event.labels["duties"][str(s149.pk)] == str(s149)
    assert event.actor_name == "Ellen Morris"

    page = _page(client_for(cast.a_administrator))
    assert "Ellen Morris changed the screening of ‘" in page
    assert (
        f'<a href="{reverse("engagement:decision_detail", args=[decision.pk])}">'
        "Locations of the new community mental health hubs</a>’" in page
    )
    assert f"removed {s149}" in page
    assert "Legal duties that apply:" in page
    assert ">decision.screen" not in page and "decision.screen<" not in page  # no codes shown
    # The first screening: choices in words, duties added.
    assert "Not yet known" in page and "Involvement plan in progress" in page
    assert "added " in page and str(s14z45) in page
    assert "1 change<" in page


def test_an_unchanged_save_records_nothing(cast):
    decision = make_decision(cast.org_a, planned_date=days(30))
    _screen(cast.a_engagement_lead, decision, _two_duties())
    before = AuditEvent.objects.count()
    engagement.decision_update(by=cast.a_engagement_lead, decision=decision, title=decision.title)
    assert AuditEvent.objects.count() == before
    old = audit.snapshot(decision, ["programme", "title"], ["duties"])
    assert audit.changed(old, audit.snapshot(decision, ["programme", "title"], ["duties"])) == ({}, {})


def test_a_deleted_related_record_still_reads_by_its_name(cast, client_for):
    programme = make_programme(cast.org_a, "Community mental health")
    decision = engagement.decision_create(
        by=cast.a_engagement_lead,
        organisation=cast.org_a,
        title="Hubs",
        kind=Decision.Kind.SERVICE_CHANGE,
        programme=programme,
    )
    engagement.decision_update(by=cast.a_engagement_lead, decision=decision, programme=None)
    engagement.programme_delete(by=cast.a_engagement_lead, programme=programme)
    engagement.decision_delete(by=cast.a_engagement_lead, decision=decision)
    page = _page(client_for(cast.a_administrator))
    assert "Programme:</strong>\n            Community mental health <span" in page  # Community … → not set
    assert f"record {programme.pk}" not in page
    # The deleted records are named, without a link.
    assert "deleted the programme ‘Community mental health’" in page
    assert "deleted the decision ‘Hubs’" in page
    assert reverse("engagement:decision_detail", args=[decision.pk]) not in page


def test_events_in_the_old_format_still_read(cast, client_for):
    decision = make_decision(cast.org_a, title="Old style")
    # As events were stored before names were kept: plain ids, raw codes, ISO dates, no labels.
    AuditEvent.objects.create(
        action="decision.screen",
        actor_label="old.person@example.nhs.uk",
        organisation_id=cast.org_a.pk,
        target_type="engagement.decision",
        target_id=str(decision.pk),
        target_label="Old style",
        old={"duties": [3, 6], "affects_services": "not_yet", "plan_starts": None},
        new={"duties": [3], "affects_services": "yes", "plan_starts": "2026-12-01"},
    )
    AuditEvent.objects.create(
        action="retired.action",
        organisation_id=cast.org_a.pk,
        target_type="gone.model",
        target_id="9",
        target_label="Something long gone",
        new={"some_field": True},
    )
    page = _page(client_for(cast.a_administrator))
    assert "old.person@example.nhs.uk changed the screening of" in page
    assert "removed record 6" in page
    assert "Not yet known" in page and "1 December 2026" in page
    assert "Something long gone" in page and "Some field:</strong>\n            Yes" in page


def test_plurals_and_record_names_on_the_page(cast, client_for):
    client = client_for(cast.a_administrator)
    engagement.programme_create(by=cast.a_administrator, organisation=cast.org_a, name="Maternity")
    page = _page(client, target_type="engagement.programme")
    assert "1 event." in page and "1 detail<" in page and "entrys" not in page
    programme = Programme.objects.get(name="Maternity")
    engagement.programme_update(
        by=cast.a_administrator, programme=programme, name="Maternity care", description="Births"
    )
    page = _page(client, target_type="engagement.programme")
    assert "2 events." in page and "2 changes<" in page
    assert "Maternity <span" in page and "Maternity care" in page
    assert f'<a href="{reverse("engagement:programme_detail", args=[programme.pk])}">Maternity care</a>' in page


def test_long_values_are_shortened_with_a_details_component(cast, client_for):
    long = "word " * 100
    audit.record(
        action="test.long",
        by=cast.a_viewer,
        organisation=cast.org_a,
        target_label="long-one",
        old={"note": "short"},
        new={"note": long},
    )
    page = _page(client_for(cast.a_administrator))
    assert long.strip() in page  # the whole of it, inside the details component
    assert '<details class="nhsuk-details' in page and "Show all of it" in page
    assert long[: presenters.SHORT].strip() + "…" in page


def test_filters_offer_plain_phrases(cast, client_for):
    decision = make_decision(cast.org_a, planned_date=days(30))
    _screen(cast.a_engagement_lead, decision, _two_duties()[:1])
    client = client_for(cast.a_administrator)
    page = _page(client)
    assert re.search(r'<option value="decision.screen"\s*>\s*Changed the screening of\s*</option>', page)
    assert re.search(r'<option value="engagement.decision"\s*>\s*Decision\s*</option>', page)
    page = _page(client, action="decision.screen")
    assert "changed the screening of" in page


def test_links_only_to_records_the_reader_may_open(cast, client_for):
    # An event filed under org_a about org_b's decision (which an org_a reader cannot open) gets no link.
    theirs = make_decision(cast.org_b, title="Beta's decision")
    audit.record(action="decision.update", by=cast.b_administrator, organisation=cast.org_a, target=theirs)
    ours = make_decision(cast.org_a, title="Alpha's decision")
    audit.record(action="decision.update", by=cast.a_administrator, organisation=cast.org_a, target=ours)
    page = _page(client_for(cast.a_administrator))
    assert "Beta&#39;s decision" in page
    assert reverse("engagement:decision_detail", args=[theirs.pk]) not in page
    assert reverse("engagement:decision_detail", args=[ours.pk]) in page


def test_a_script_title_is_escaped_everywhere(cast, client_for):
    decision = engagement.decision_create(
        by=cast.a_engagement_lead,
        organisation=cast.org_a,
        title="<script>alert(1)</script>",
        kind=Decision.Kind.SERVICE_CHANGE,
    )
    engagement.decision_update(by=cast.a_engagement_lead, decision=decision, title="<b>bold</b>" + "x" * 185)
    page = _page(client_for(cast.a_administrator))
    assert "<script>alert(1)</script>" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;bold&lt;/b&gt;" in page


@pytest.mark.parametrize(
    "who", ["a_engagement_lead", "a_contributor", "a_viewer", "b_administrator", "region_reader", "trust_admin"]
)
def test_only_the_organisations_administrators_read_its_audit_log(cast, client_for, who):
    audit.record(action="test.alpha", by=cast.a_viewer, organisation=cast.org_a, target_label="alpha-secret")
    response = client_for(getattr(cast, who)).get(reverse("audit:list"))
    assert "alpha-secret" not in response.content.decode()
    if who.startswith("a_"):
        assert response.status_code == 403
    assert client_for(cast.a_administrator).get(reverse("audit:list")).status_code == 200


def _export(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("audit:export"))
    run = TaskRun.objects.latest("pk")
    download = client.get(reverse("task_run_download", args=[run.pk]))
    return list(csv.DictReader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))


def test_export_has_one_row_per_changed_field_in_words(cast, client_for, django_capture_on_commit_callbacks):
    decision = make_decision(cast.org_a, title='=HYPERLINK("http://x")', planned_date=days(30))
    s14z45, s149 = _two_duties()
    _screen(cast.a_engagement_lead, decision, [s14z45, s149])
    engagement.decision_update(by=cast.a_engagement_lead, decision=decision, summary="=1+2", reference="-3")
    rows = _export(client_for(cast.a_administrator), django_capture_on_commit_callbacks)
    assert list(rows[0]) == EXPORT_HEADER
    update = [r for r in rows if r["What happened"] == "Changed the decision"]
    assert sorted(r["Field"] for r in update) == ["Reference", "Summary"]
    summary = next(r for r in update if r["Field"] == "Summary")
    assert summary["Before"] == "not set" and summary["After"] == "'=1+2"  # never a formula
    assert next(r for r in update if r["Field"] == "Reference")["After"] == "'-3"
    assert all(r["Record"] == '\'=HYPERLINK("http://x")' for r in update)
    assert update[0]["Organisation"] == "NHS Alpha ICB" and update[0]["Type of record"] == "Decision"
    screen = {r["Field"]: r for r in rows if r["What happened"] == "Changed the screening of"}
    assert screen["Legal duties that apply"]["Before"] == "not set"
    assert (
        screen["Legal duties that apply"]["After"] == f"{s14z45}, {s149}"
        or screen["Legal duties that apply"]["After"] == f"{s149}, {s14z45}"
    )
    assert screen["Affects how services are delivered or the range of services"]["After"] == "Yes"
    assert "{" not in "".join(r["Before"] + r["After"] for r in rows)  # no raw JSON
