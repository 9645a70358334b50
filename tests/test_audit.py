import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from involve.audit import services as audit
from involve.audit.models import AuditEvent
from involve.core.models import TaskRun

pytestmark = pytest.mark.django_db


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
    response = client_for(cast.a_administrator).get(reverse("audit:list"), {
        "date_from-day": "10", "date_from-month": "5", "date_from-year": "2026",
        "date_to-day": "1", "date_to-month": "5", "date_to-year": "2026"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "end date must be on or after the start date" in page


def test_user_text_in_the_audit_log_is_escaped(cast, client_for):
    audit.record(action="test.xss", by=cast.a_viewer, organisation=cast.org_a,
                 target_label="<script>alert(1)</script>", new={"name": '"><img src=x onerror=alert(1)>'})
    page = client_for(cast.a_administrator).get(reverse("audit:list")).content.decode()
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_export_runs_as_a_task_and_downloads_a_safe_csv(cast, client_for, django_capture_on_commit_callbacks):
    audit.record(action="test.alpha", by=cast.a_viewer, organisation=cast.org_a, target_label="=HYPERLINK(\"x\")")
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
    labels = [r[5] for r in rows[1:]]
    assert "'=HYPERLINK(\"x\")" in labels
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
