"""Evidence: the services and their audit rows, every role for every evidence permission, 404s across
organisations, downloads, and the malicious upload set sent through the real upload view."""

import datetime
import hashlib
import json
import os
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from involve.audit.middleware import ACCESS_ACTIONS
from involve.audit.models import AuditEvent
from involve.core import uploads
from involve.core.dates import today
from involve.engagement import evidence as evidence_services
from involve.engagement.models import Evidence
from involve.organisations.models import Membership, Role
from involve.organisations.permissions import ROLE_ACTIONS, Action

from ..core.test_uploads import HTML, good_files, malicious_files, minimal_pdf
from .factories import make_activity, make_decision

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
TODAY = today()
LAST_MONTH = TODAY - datetime.timedelta(days=30)
EVERYONE = [
    "a_administrator",
    "a_engagement_lead",
    "a_contributor",
    "a_viewer",
    "b_administrator",
    "b_engagement_lead",
    "b_contributor",
    "b_viewer",
    "region_reader",
    "trust_admin",
    "outsider",
]


def checked_pdf(name="Workshop report.pdf"):
    return uploads.check_upload(SimpleUploadedFile(name, minimal_pdf()))


def stored_files():
    """Every file under evidence/ in the per-test storage folder."""
    root = default_storage.location
    found = []
    for folder, _, names in os.walk(os.path.join(root, "evidence")):
        found += [os.path.join(folder, n) for n in names]
    return found


@pytest.fixture
def world(cast):
    lead = cast.a_engagement_lead
    w = cast
    w.decision = make_decision(cast.org_a)
    w.activity = make_activity(cast.org_a, decisions=[w.decision])
    w.file_evidence = evidence_services.evidence_upload(
        by=lead, owner=w.decision, file=checked_pdf(), title="Workshop report", dated=LAST_MONTH
    )
    w.link_evidence = evidence_services.evidence_add_link(
        by=lead,
        owner=w.activity,
        url="https://www.example.nhs.uk/report",
        title="Published summary",
        dated=LAST_MONTH,
    )
    w.decision_b = make_decision(cast.org_b, title="Beta decision")
    return w


# ---------------------------------------------------------------------------------------------
# Services and their audit rows


def test_upload_stores_a_random_name_and_audits_without_contents(cast):
    decision = make_decision(cast.org_a)
    checked = checked_pdf("../../etc/passwd.pdf")
    item = evidence_services.evidence_upload(
        by=cast.a_engagement_lead,
        owner=decision,
        file=checked,
        title="Notes",
        dated=LAST_MONTH,
        description="From the workshop",
    )
    assert item.kind == Evidence.Kind.FILE and item.organisation == cast.org_a and item.decision == decision
    assert item.original_name == "passwd.pdf"
    assert item.file.name.startswith(f"evidence/{cast.org_a.pk}/")
    assert len(item.file.name.rsplit("/", 1)[1]) == 32
    assert item.size == len(minimal_pdf()) and item.sha256 == hashlib.sha256(minimal_pdf()).hexdigest()
    assert default_storage.open(item.file.name).read() == minimal_pdf()
    event = AuditEvent.objects.get(action="evidence.upload", target_id=str(item.pk))
    assert event.actor_id == cast.a_engagement_lead.pk and event.organisation_id == cast.org_a.pk
    assert event.new["sha256"] == item.sha256 and event.new["size"] == item.size
    assert event.new["decision"] == decision.pk and event.new["original_name"] == "passwd.pdf"
    # The audit trail identifies the file; it never holds its contents.
    assert "Evidence of involvement" not in json.dumps(event.new)
    assert "content" not in event.new


def test_add_link_is_https_only_and_audited(cast):
    activity = make_activity(cast.org_a)
    item = evidence_services.evidence_add_link(
        by=cast.a_contributor,
        owner=activity,
        title="Survey page",
        url="  https://www.example.nhs.uk/survey  ",
        dated=LAST_MONTH,
    )
    assert item.url == "https://www.example.nhs.uk/survey" and item.activity == activity and not item.file
    event = AuditEvent.objects.get(action="evidence.add_link", target_id=str(item.pk))
    assert event.new["url"] == item.url and event.new["activity"] == activity.pk
    for url in (
        "http://www.example.nhs.uk/",
        "javascript:alert(1)",
        "ftp://example.org/x",
        "data:text/html,<script>alert(1)</script>",
        "https://",
        "",
    ):
        with pytest.raises(ValidationError):
            evidence_services.evidence_add_link(
                by=cast.a_contributor, owner=activity, title="Bad", url=url, dated=LAST_MONTH
            )
    assert Evidence.objects.count() == 1


def test_evidence_cannot_be_dated_in_the_future(cast):
    decision = make_decision(cast.org_a)
    with pytest.raises(ValidationError) as excinfo:
        evidence_services.evidence_upload(
            by=cast.a_engagement_lead,
            owner=decision,
            file=checked_pdf(),
            title="Report",
            dated=TODAY + datetime.timedelta(days=1),
        )
    assert "future" in excinfo.value.message_dict["dated"][0]
    assert not stored_files() and not Evidence.objects.exists()


def test_evidence_belongs_to_a_decision_or_an_activity(cast):
    with pytest.raises(TypeError):
        evidence_services.evidence_upload(
            by=cast.a_engagement_lead, owner=cast.org_a, file=checked_pdf(), title="Report", dated=LAST_MONTH
        )
    with pytest.raises(TypeError):
        evidence_services.evidence_upload(
            by=cast.a_engagement_lead,
            owner=make_decision(cast.org_a),
            file=b"%PDF-1.4",
            title="Report",
            dated=LAST_MONTH,
        )
    assert not stored_files()


def test_a_failed_write_leaves_no_file_behind(cast):
    decision = make_decision(cast.org_a)

    class Boom(Exception):
        pass

    with mock.patch("involve.engagement.evidence.audit.record", side_effect=Boom), pytest.raises(Boom):
        evidence_services.evidence_upload(
            by=cast.a_engagement_lead, owner=decision, file=checked_pdf(), title="Report", dated=LAST_MONTH
        )
    assert not Evidence.objects.exists()
    assert stored_files() == []


def test_inside_a_callers_transaction_a_rollback_leaves_neither_row_nor_file(cast, django_capture_on_commit_callbacks):
    # Called inside someone else's transaction (the demo loader, an import), the file is only
    # written when that transaction commits.
    decision = make_decision(cast.org_a)

    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Boom), transaction.atomic():
        evidence_services.evidence_upload(
            by=cast.a_engagement_lead, owner=decision, file=checked_pdf(), title="Report", dated=LAST_MONTH
        )
        assert stored_files() == []
        raise Boom
    assert stored_files() == [] and not Evidence.objects.exists()
    assert not AuditEvent.objects.filter(action="evidence.upload").exists()


def test_inside_a_callers_transaction_the_file_is_written_when_it_commits(cast, django_capture_on_commit_callbacks):
    decision = make_decision(cast.org_a)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        item = evidence_services.evidence_upload(
            by=cast.a_engagement_lead, owner=decision, file=checked_pdf(), title="Report", dated=LAST_MONTH
        )
        assert stored_files() == []
    item.refresh_from_db()
    assert stored_files() == [default_storage.path(item.file.name)]
    assert default_storage.open(item.file.name).read() == minimal_pdf()


def test_a_file_that_cannot_be_written_after_commit_takes_its_row_away(cast, django_capture_on_commit_callbacks):
    decision = make_decision(cast.org_a)
    with (
        mock.patch("involve.core.uploads.default_storage.save", side_effect=OSError("disk full")),
        pytest.raises(OSError),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        evidence_services.evidence_upload(
            by=cast.a_engagement_lead, owner=decision, file=checked_pdf(), title="Report", dated=LAST_MONTH
        )
    assert not Evidence.objects.exists() and stored_files() == []
    assert AuditEvent.objects.filter(action="evidence.delete").exists()


def test_delete_removes_the_row_then_the_file_once_committed(world, django_capture_on_commit_callbacks):
    item = world.file_evidence
    path = default_storage.path(item.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        evidence_services.evidence_delete(by=world.a_engagement_lead, evidence=item)
    assert not Evidence.objects.filter(pk=item.pk).exists()
    assert not os.path.exists(path)
    event = AuditEvent.objects.get(action="evidence.delete", target_id=str(item.pk))
    assert event.old["title"] == "Workshop report" and event.old["sha256"] == item.sha256
    assert event.actor_id == world.a_engagement_lead.pk


def test_a_rolled_back_delete_keeps_the_file(world, django_capture_on_commit_callbacks):
    item = world.file_evidence
    path = default_storage.path(item.file.name)

    class Boom(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        evidence_services.evidence_delete(by=world.a_engagement_lead, evidence=item)
        raise Boom
    assert callbacks == []
    assert Evidence.objects.filter(pk=item.pk).exists() and os.path.exists(path)
    assert not AuditEvent.objects.filter(action="evidence.delete").exists()


def test_deleting_a_link_touches_no_file(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        evidence_services.evidence_delete(by=world.a_engagement_lead, evidence=world.link_evidence)
    assert callbacks == [] and os.path.exists(default_storage.path(world.file_evidence.file.name))


# ---------------------------------------------------------------------------------------------
# Every role for every evidence permission


def _urls(w):
    """(label, url, method, action needed, object's organisation is org_a)."""
    return [
        (
            "add file to decision",
            reverse("engagement:evidence_add_file_decision", args=[w.decision.pk]),
            Action.EDIT,
        ),
        (
            "add link to decision",
            reverse("engagement:evidence_add_link_decision", args=[w.decision.pk]),
            Action.EDIT,
        ),
        (
            "add file to activity",
            reverse("engagement:evidence_add_file_activity", args=[w.activity.pk]),
            Action.EDIT,
        ),
        (
            "add link to activity",
            reverse("engagement:evidence_add_link_activity", args=[w.activity.pk]),
            Action.EDIT,
        ),
        ("remove evidence", reverse("engagement:evidence_remove", args=[w.file_evidence.pk]), Action.MANAGE),
        (
            "download evidence",
            reverse("engagement:evidence_download", args=[w.file_evidence.pk]),
            Action.VIEW,
        ),
        ("cover sheet", reverse("engagement:cover_sheet", args=[w.decision.pk]), Action.VIEW),
        ("cover sheet pdf", reverse("engagement:cover_sheet_pdf", args=[w.decision.pk]), Action.VIEW),
        ("cover sheet docx", reverse("engagement:cover_sheet_docx", args=[w.decision.pk]), Action.VIEW),
    ]


def _expected(cast, who, action):
    user = getattr(cast, who)
    membership = Membership.objects.filter(user=user).select_related("organisation").first()
    if membership is None:
        return 404
    readable = cast.org_a.path.startswith(membership.organisation.path)
    if not readable:
        return 404
    if action == Action.VIEW:
        return 200
    own = membership.organisation_id == cast.org_a.pk
    return 200 if own and action in ROLE_ACTIONS[membership.role] else 403


@pytest.mark.parametrize("who", EVERYONE)
def test_every_role_for_every_evidence_permission(world, client_for, who):
    client = client_for(getattr(world, who))
    seen = []
    for label, url, action in _urls(world):
        status = client.get(url).status_code
        seen.append((label, status, _expected(world, who, action)))
    assert [s for s in seen if s[1] != s[2]] == [], seen


def test_the_expectations_cover_each_kind_of_answer(world):
    answers = {_expected(world, who, action) for who in EVERYONE for _, _, action in _urls(world)}
    assert answers == {200, 403, 404}
    assert _expected(world, "a_contributor", Action.MANAGE) == 403
    assert _expected(world, "a_contributor", Action.EDIT) == 200
    assert _expected(world, "region_reader", Action.EDIT) == 403
    assert _expected(world, "trust_admin", Action.VIEW) == 404  # a trust below org_a cannot read upwards


@pytest.mark.parametrize("who", ["b_administrator", "b_engagement_lead", "b_contributor", "b_viewer", "outsider"])
def test_another_organisation_gets_404_for_every_url_and_changes_nothing(world, client_for, who):
    client = client_for(getattr(world, who))
    evidence_before = list(Evidence.objects.values_list("pk", "title", "file"))
    audit_before = AuditEvent.objects.exclude(action__in=ACCESS_ACTIONS).count()  # refusals are logged
    for label, url, _ in _urls(world):
        assert client.get(url).status_code == 404, label
        response = client.post(
            url,
            {
                "title": "Hijack",
                "url": "https://evil.example/",
                "dated-day": "1",
                "dated-month": "1",
                "dated-year": "2025",
                "file": SimpleUploadedFile("x.pdf", minimal_pdf()),
            },
        )
        assert response.status_code in (404, 405), label
    assert list(Evidence.objects.values_list("pk", "title", "file")) == evidence_before
    assert AuditEvent.objects.exclude(action__in=ACCESS_ACTIONS).count() == audit_before
    assert len(stored_files()) == 1


def test_region_reader_may_download_and_read_the_cover_sheet_but_not_add_or_remove(world, client_for):
    client = client_for(world.region_reader)
    download = client.get(reverse("engagement:evidence_download", args=[world.file_evidence.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == minimal_pdf()
    for name in ("cover_sheet", "cover_sheet_pdf", "cover_sheet_docx"):
        assert client.get(reverse(f"engagement:{name}", args=[world.decision.pk])).status_code == 200
    for label, url, action in _urls(world):
        if action != Action.VIEW:
            assert client.get(url).status_code == 403, label
            assert client.post(url, {"title": "x"}).status_code == 403, label
    assert Evidence.objects.count() == 2


# ---------------------------------------------------------------------------------------------
# Pages


def _post_file(client, url, name, data, title="Evidence file"):
    return client.post(
        url,
        {
            "title": title,
            "dated-day": LAST_MONTH.day,
            "dated-month": LAST_MONTH.month,
            "dated-year": LAST_MONTH.year,
            "description": "",
            "file": SimpleUploadedFile(name, data, content_type="application/pdf"),
        },
    )


def test_uploading_through_the_page_then_downloading(world, client_for):
    client = client_for(world.a_contributor)
    url = reverse("engagement:evidence_add_file_activity", args=[world.activity.pk])
    page = client.get(url)
    assert page.status_code == 200 and b'enctype="multipart/form-data"' in page.content
    response = _post_file(client, url, "Flipchart notes.pdf", minimal_pdf("Flipchart"), title="Flipchart notes")
    assert response.status_code == 302
    assert response["Location"] == reverse("engagement:activity_detail", args=[world.activity.pk]) + "#evidence"
    item = Evidence.objects.get(title="Flipchart notes")
    assert item.activity == world.activity and item.created_by == world.a_contributor
    assert item.original_name == "Flipchart notes.pdf" and item.dated == LAST_MONTH

    download = client.get(reverse("engagement:evidence_download", args=[item.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="evidence-{item.pk}-flipchart-notes.pdf"'
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download["Cache-Control"]
    assert "sandbox" in download["Content-Security-Policy"]
    assert b"".join(download.streaming_content) == minimal_pdf("Flipchart")
    # The owners can see who fetched it; a HEAD request sends no file and is not recorded.
    client.head(reverse("engagement:evidence_download", args=[item.pk]))
    fetched = AuditEvent.objects.filter(action="evidence.download", target_id=str(item.pk))
    assert [(e.actor_id, e.organisation_id) for e in fetched] == [(world.a_contributor.pk, item.organisation_id)]


@pytest.mark.parametrize("key", list(good_files()))
def test_every_allowed_type_is_accepted_through_the_page(world, client_for, key):
    name, data, content_type = good_files()[key]
    client = client_for(world.a_engagement_lead)
    response = _post_file(
        client,
        reverse("engagement:evidence_add_file_decision", args=[world.decision.pk]),
        name,
        data,
        title=f"Good {key}",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    item = Evidence.objects.get(title=f"Good {key}")
    assert item.content_type == content_type and item.original_name == name
    download = client.get(reverse("engagement:evidence_download", args=[item.pk]))
    assert download["Content-Type"] == content_type
    assert download["Content-Disposition"].startswith("attachment; ")
    assert download["Content-Disposition"].endswith(
        f'{uploads.check_upload(SimpleUploadedFile(name, data)).extension}"'
    )
    body = b"".join(download.streaming_content)
    assert hashlib.sha256(body).hexdigest() == item.sha256


MALICIOUS = malicious_files(max_bytes=1 * MB)


@pytest.mark.parametrize("key", list(MALICIOUS))
def test_the_malicious_set_is_rejected_through_the_real_view(world, client_for, settings, key):
    settings.UPLOAD_MAX_BYTES = 1 * MB
    name, data = MALICIOUS[key]
    client = client_for(world.a_engagement_lead)
    before_files, before_rows = stored_files(), Evidence.objects.count()
    before_audit = AuditEvent.objects.count()
    response = _post_file(
        client,
        reverse("engagement:evidence_add_file_decision", args=[world.decision.pk]),
        name,
        data,
        title=f"Bad {key}",
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and 'href="#id_file"' in html
    assert stored_files() == before_files
    assert Evidence.objects.count() == before_rows and AuditEvent.objects.count() == before_audit
    # The file's own markup is never echoed back into the page.
    assert "<script>alert" not in html and "onload=alert" not in html


def test_a_hostile_name_on_a_good_file_is_kept_only_as_a_label(world, client_for):
    client = client_for(world.a_engagement_lead)
    url = reverse("engagement:evidence_add_file_decision", args=[world.decision.pk])
    response = _post_file(client, url, "../../x.pdf", minimal_pdf(), title="Traversal")
    assert response.status_code == 302
    item = Evidence.objects.get(title="Traversal")
    assert item.original_name == "x.pdf"
    assert item.file.name.startswith(f"evidence/{world.org_a.pk}/") and "x.pdf" not in item.file.name
    assert os.path.realpath(default_storage.path(item.file.name)).startswith(os.path.realpath(default_storage.location))


def test_the_form_reports_missing_answers(world, client_for):
    client = client_for(world.a_engagement_lead)
    response = client.post(reverse("engagement:evidence_add_file_decision", args=[world.decision.pk]), {})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Select a file" in html and "Enter" in html or "required" in html
    response = client.post(
        reverse("engagement:evidence_add_link_decision", args=[world.decision.pk]),
        {
            "title": "Page",
            "url": "http://insecure.example/",
            "dated-day": "1",
            "dated-month": "2",
            "dated-year": "2025",
        },
    )
    assert response.status_code == 400
    assert "Enter a web address that starts with https://" in response.content.decode()


def test_adding_a_link_through_the_page(world, client_for):
    client = client_for(world.a_contributor)
    response = client.post(
        reverse("engagement:evidence_add_link_decision", args=[world.decision.pk]),
        {
            "title": "Consultation page",
            "url": "https://www.example.nhs.uk/consult",
            "dated-day": LAST_MONTH.day,
            "dated-month": LAST_MONTH.month,
            "dated-year": LAST_MONTH.year,
        },
    )
    assert response.status_code == 302
    item = Evidence.objects.get(title="Consultation page")
    assert item.kind == "link" and item.decision == world.decision
    assert client.get(reverse("engagement:evidence_download", args=[item.pk])).status_code == 404


def test_removing_evidence_asks_first(world, client_for, django_capture_on_commit_callbacks):
    client = client_for(world.a_engagement_lead)
    url = reverse("engagement:evidence_remove", args=[world.file_evidence.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Remove this evidence?" in page.content.decode()
    assert Evidence.objects.filter(pk=world.file_evidence.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert not Evidence.objects.filter(pk=world.file_evidence.pk).exists()
    assert stored_files() == []


def test_download_of_a_missing_file_is_404(world, client_for):
    default_storage.delete(world.file_evidence.file.name)
    url = reverse("engagement:evidence_download", args=[world.file_evidence.pk])
    assert client_for(world.a_viewer).get(url).status_code == 404


def test_downloads_never_post(world, client_for):
    url = reverse("engagement:evidence_download", args=[world.file_evidence.pk])
    assert client_for(world.a_administrator).post(url).status_code == 405


@pytest.mark.parametrize("payload", ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>'])
def test_titles_are_escaped_on_evidence_pages(world, client_for, payload):
    item = evidence_services.evidence_upload(
        by=world.a_engagement_lead, owner=world.decision, file=checked_pdf(), title=payload, dated=LAST_MONTH
    )
    html = client_for(world.a_engagement_lead).get(reverse("engagement:evidence_remove", args=[item.pk])).content
    assert payload.encode() not in html
    assert b"&lt;" in html
    download = client_for(world.a_viewer).get(reverse("engagement:evidence_download", args=[item.pk]))
    disposition = download["Content-Disposition"]
    assert "<" not in disposition and '"' not in disposition.split('filename="', 1)[1].rstrip('"')


def test_roles_are_what_this_file_assumes():
    assert Action.EDIT in ROLE_ACTIONS[Role.CONTRIBUTOR] and Action.MANAGE not in ROLE_ACTIONS[Role.CONTRIBUTOR]
    assert ROLE_ACTIONS[Role.VIEWER] == {Action.VIEW}


def test_html_upload_leaves_nothing_when_the_view_is_bypassed(world):
    # The service only takes a CheckedFile, so unchecked bytes cannot reach storage.
    with pytest.raises(TypeError):
        evidence_services.evidence_upload(
            by=world.a_engagement_lead,
            owner=world.decision,
            file=SimpleUploadedFile("x.pdf", HTML),
            title="x",
            dated=LAST_MONTH,
        )
    assert len(stored_files()) == 1
