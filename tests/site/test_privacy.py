"""Subject access export and erasure, built from the personal data classification (site/privacy.py)."""

import json
import types

import pytest
from django.core.management import CommandError, call_command

from involve.audit import services as audit
from involve.audit.models import AuditEvent
from involve.consultations.models import Answer, Response, ResponseDraft
from involve.core import personal_data
from involve.core.models import TaskRun
from involve.engagement.models import BoardPaper
from involve.insight.models import Comment, Quote
from involve.organisations.models import Membership, Role, User
from involve.site import privacy

from ..consultations.factories import make_consultation, make_import_run, make_question, make_response
from ..engagement.factories import (
    make_activity,
    make_decision,
    make_evidence,
    make_objective,
    make_partner,
    make_programme,
)
from ..factories import make_member
from ..insight.factories import make_comment, make_flag, make_label, make_model_version, make_reviewer, theme

JANE = "jane.whitfield@example.nhs.uk"
PRIYA = "priya.raman@example.nhs.uk"


@pytest.fixture
def world(cast):
    """Jane (org_a) is referred to by every personal field that can refer to a person; Priya (org_b) by her own."""
    jane = make_member(cast.org_a, Role.CONTRIBUTOR, email=JANE, first_name="Jane", last_name="Whitfield")
    priya = make_member(cast.org_b, Role.CONTRIBUTOR, email=PRIYA, first_name="Priya", last_name="Raman")
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=jane, email=JANE, verified=True, primary=True)
    # Priya joins org_a too, invited by Jane: the row is Priya's, but invited_by_id is Jane's.
    Membership.objects.create(user=priya, organisation=cast.org_a, role=Role.VIEWER, invited_by_id=jane.pk)
    TaskRun.objects.create(organisation=cast.org_a, requested_by=jane, kind="export", label="Decisions export")

    programme = make_programme(cast.org_a)
    objective = make_objective(programme, owner=jane)
    named = make_objective(programme, title="Open the hub", owner_name="Jane Whitfield (lay partner)")
    priyas = make_objective(make_programme(cast.org_b), title="Priya's objective", owner=priya)
    decision = make_decision(cast.org_a, screened_by=jane)
    evidence = make_evidence(decision, created_by=jane, original_name="Notes from JANE WHITFIELD.docx")
    paper = BoardPaper.objects.create(
        organisation=cast.org_a,
        decision=decision,
        meeting="Board",
        author="Jane Whitfield, Head of Engagement",
        lead_director="Priya Raman, Director of Strategy",
        what_people_said="Jane  Whitfield told us the hub is too far. Carers agreed.",
    )
    BoardPaper.objects.create(
        organisation=cast.org_a,
        decision=make_decision(cast.org_a, title="Move the clinic"),
        meeting="Quality committee",
        lead_director="Jane Whitfield",
    )
    activity = make_activity(cast.org_a, public_partner_roles="Jane Whitfield, a carer; two parents")
    partner = make_partner(cast.org_a, contact_email=JANE.upper())
    other_partner = make_partner(cast.org_b, name="Healthwatch Beta", contact_email=PRIYA)
    # Consultations: Jane set one up, entered and moderated a response, imported a file; a member of the
    # public named her in an answer and in a saved draft.
    consultation = make_consultation(
        cast.org_a, created_by=jane, contact_email=JANE, contact_phone="Jane Whitfield, 0300 123 4567"
    )
    question = make_question(consultation)
    response = make_response(consultation, {question: "Jane Whitfield at the desk was kind"}, entered_by=jane)
    Response.objects.filter(pk=response.pk).update(moderated_by=jane)
    Answer.objects.filter(response=response).update(
        masked_text="Ask for Jane Whitfield at reception", value={"note": "Jane Whitfield"}
    )
    make_import_run(consultation, created_by=jane, original_name="Survey from Jane Whitfield.csv")
    ResponseDraft.objects.create(
        consultation=consultation,
        token_hash="0" * 64,
        answers={"q1": {"q_q1": ["Jane Whitfield helped me"]}},
        expires_at=consultation.closes_at,
    )
    # Insight: a comment naming her, which she reviewed and coded; a flag she handled; a model she
    # retrained; a quote she confirmed and one she removed; she is a named safeguarding reviewer.
    comment = make_comment(cast.org_a, text="Jane Whitfield was kind", sentiment_coded_by=jane, reviewed_by=jane)
    Comment.objects.filter(pk=comment.pk).update(masked_text="Ask for Jane Whitfield")
    make_label(comment, decided_by=jane, decision="accepted")
    make_flag(
        comment, reasons="Names someone: 'Jane Whitfield'", handled_by=jane, handling_reason="Jane Whitfield phoned"
    )
    make_model_version(cast.org_a, version="jane-1", trained_by=jane)
    make_reviewer(cast.org_a, jane)
    other = make_comment(cast.org_a, text="The car park is full")
    Quote.objects.create(organisation=cast.org_a, theme=theme(), comment=comment, confirmed_by=jane)
    Quote.objects.create(organisation=cast.org_a, theme=theme(), comment=other, removed_by=jane)

    audit.record(action="decision.update", by=jane, target=decision, old={"title": "a"}, new={"title": "b"})
    audit.record(action="membership.update", by=priya, target=jane.memberships.get(organisation=cast.org_a))
    audit.record(action="objective.update", by=priya, target=named, old={"owner_name": "Jane Whitfield"}, new={})
    audit.record(action="objective.update", by=priya, target=objective, new={"owner_name": "Jane Whitfield"})
    audit.record(action="objective.update", by=priya, target=objective, old={"owner": None}, new={"owner": jane})
    audit.record(action="objective.update", by=priya, target=priyas, old={"title": "x"}, new={"title": "y"})
    return types.SimpleNamespace(
        cast=cast,
        jane=jane,
        priya=priya,
        objective=objective,
        named=named,
        priyas=priyas,
        decision=decision,
        evidence=evidence,
        paper=paper,
        activity=activity,
        partner=partner,
        other_partner=other_partner,
    )


def _everything():
    """Every row of every model of ours, with many-to-many ids: to prove a dry run changes nothing."""
    rows = {}
    for model in personal_data.our_models():
        m2m = [f.name for f in model._meta.many_to_many]
        rows[model._meta.label] = [
            (values, {name: sorted(getattr(obj, name).values_list("pk", flat=True)) for name in m2m})
            for obj, values in zip(
                model._base_manager.order_by("pk"), model._base_manager.order_by("pk").values(), strict=True
            )
        ]
    return rows


def _export(**who):
    return privacy.subject_access(privacy.find_person(**who))


def _pairs(data):
    return {(label, name) for label, rows in data["records"].items() for row in rows for name in row["about_you"]}


# --- the export --------------------------------------------------------------------------------------


def test_the_search_covers_exactly_the_classifications_personal_fields():
    searched = {(label, name) for label, name, _ in privacy.searched_fields()}
    classified = {
        (model._meta.label_lower, name)
        for model in personal_data.our_models()
        for name in personal_data.personal_fields(model)
        if name not in personal_data.not_found_by_name(model)
    }
    assert searched == classified


def test_the_export_holds_every_personal_field_that_refers_to_the_person(world):
    """Driven by the classification: a new personal field shows up here until the world refers to Jane in it."""
    data = _export(email=JANE)
    expected = {(label, name) for label, name, _ in privacy.searched_fields()}
    assert _pairs(data) == expected


def test_the_export_finds_her_rows_across_apps_with_their_values(world):
    data = _export(email=JANE)
    records = data["records"]
    (account,) = records["organisations.user"]
    assert account["about_you"]["email"]["value"] == JANE
    assert account["about_you"]["first_name"]["value"] == "Jane"
    assert "password" not in json.dumps(account["context"]) and account["held_not_shown"] == ["password"]
    papers = records["engagement.boardpaper"]
    assert papers[0]["about_you"]["author"]["value"] == "Jane Whitfield, Head of Engagement"
    assert papers[0]["withheld_other_people"] == ["lead_director"]
    objectives = {row["id"]: row for row in records["engagement.improvementobjective"]}
    assert set(objectives) == {world.objective.pk, world.named.pk}
    assert objectives[world.objective.pk]["about_you"]["owner"]["value"] == world.jane.pk
    assert records["engagement.vcsepartner"][0]["id"] == world.partner.pk
    assert records["core.taskrun"][0]["about_you"]["requested_by"]["value"] == world.jane.pk
    invited = [row for row in records["organisations.membership"] if "invited_by_id" in row["about_you"]]
    assert len(invited) == 1 and "user" not in invited[0]["about_you"]
    assert data["sign_in_records"]["account.emailaddress"] == [{"email": JANE, "verified": True, "primary": True}]


def test_the_export_includes_her_audit_events_as_actor_and_as_named(world):
    events = _export(email=JANE)["records"]["audit.auditevent"]
    by_field = {}
    for row in events:
        for name in row["about_you"]:
            by_field.setdefault(name, set()).add(row["id"])
    mine = set(AuditEvent.objects.filter(actor_id=world.jane.pk).values_list("pk", flat=True))
    assert mine and by_field["actor_id"] == mine == by_field["actor_label"] == by_field["actor_name"]
    assert {"target_label", "old", "new", "labels"} <= set(by_field)
    priyas_own = AuditEvent.objects.get(target_type="engagement.improvementobjective", target_id=str(world.priyas.pk))
    assert priyas_own.pk not in {row["id"] for row in events}


def test_the_export_holds_nothing_of_another_persons(world):
    text = json.dumps(_export(email=JANE), ensure_ascii=False)
    for theirs in (PRIYA, "Priya", "Raman", "Healthwatch Beta", "Priya's objective"):
        assert theirs.lower() not in text.lower()


def test_a_person_who_does_not_sign_in_is_found_by_name(world):
    data = _export(name="priya raman")
    assert data["subject"]["account_id"] is None
    # Her board paper, and the audit events she wrote (found by the name they were written under).
    assert _pairs(data) == {("engagement.boardpaper", "lead_director"), ("audit.auditevent", "actor_name")}
    assert len(data["records"]["audit.auditevent"]) == AuditEvent.objects.filter(actor_id=world.priya.pk).count()
    assert "Jane" not in json.dumps(data["records"])


def test_a_name_too_short_to_search_safely_is_refused(world):
    with pytest.raises(privacy.PersonNotFound):
        privacy.find_person(name="Jane")


def test_the_command_writes_the_export(world, tmp_path):
    out = tmp_path / "jane.json"
    call_command("subject_access", "--email", JANE, "--name", "J. Whitfield", "--out", str(out))
    data = json.loads(out.read_text())
    assert data["subject"]["names_searched"] == ["Jane Whitfield", "J. Whitfield"]
    assert "engagement.boardpaper" in data["records"]


# --- erasure -----------------------------------------------------------------------------------------


def test_a_dry_run_changes_nothing_and_reports_counts(world):
    before = _everything()
    report = privacy.erase(privacy.find_person(email=JANE, require_account=True))
    assert _everything() == before
    assert not report.done
    assert report.changes[("engagement.boardpaper", "author", "blanked")] == 1
    assert report.changes[("engagement.improvementobjective", "owner", "set to null")] == 1
    assert report.retained and all(label == "audit.auditevent" for label, _ in report.retained)


def test_the_dry_run_command_says_so(world, capsys):
    before = _everything()
    call_command("erase_person", "--email", JANE)
    out = capsys.readouterr().out
    assert "Would change" in out and "engagement.boardpaper.author: 1 row, blanked" in out
    assert "Dry run: nothing was changed" in out
    assert _everything() == before


def test_erasure_blanks_every_personal_field_that_referred_to_her(world):
    person = privacy.find_person(email=JANE, require_account=True)
    call_command("erase_person", "--email", JANE, "--confirm")

    jane = User.objects.get(pk=world.jane.pk)
    assert jane.email == f"erased-{jane.pk}@erased.invalid"
    assert (jane.first_name, jane.last_name, jane.last_login) == ("", "", None)
    assert not jane.has_usable_password() and not jane.is_active
    world.objective.refresh_from_db()
    world.named.refresh_from_db()
    world.paper.refresh_from_db()
    world.activity.refresh_from_db()
    world.partner.refresh_from_db()
    world.evidence.refresh_from_db()
    world.decision.refresh_from_db()
    assert world.objective.owner_id is None and world.named.owner_name == ""
    assert world.decision.screened_by_id is None and world.evidence.created_by_id is None
    assert world.evidence.original_name == ""
    assert world.paper.author == ""
    assert world.paper.what_people_said == "[removed] told us the hub is too far. Carers agreed."
    assert world.activity.public_partner_roles == "[removed], a carer; two parents"
    assert world.partner.contact_email == ""
    assert world.named.revision == 2  # a form opened before the erasure cannot write the name back
    assert TaskRun.objects.get().requested_by_id is None
    assert not Membership.objects.filter(invited_by_id=jane.pk).exists()
    from allauth.account.models import EmailAddress

    assert not EmailAddress.objects.filter(user=jane).exists()

    # Searching again finds only what is kept on purpose: the anonymised account, its memberships, the audit log.
    left = {(f.model._meta.label_lower, name) for f in privacy.find(person) for name, _ in f.fields}
    # A safeguarding reviewer row, like a membership, keeps pointing at the anonymised account, which is
    # inactive, so no flag is emailed to it (insight.pipeline.reviewer_addresses).
    kept = {"organisations.user", "organisations.membership", "audit.auditevent", "insight.safeguardingreviewer"}
    assert {label for label, _ in left} <= kept
    assert ("organisations.membership", "invited_by_id") not in left


def test_erasure_leaves_other_people_untouched(world):
    priya_before = User.objects.filter(pk=world.priya.pk).values().get()
    privacy.erase(privacy.find_person(email=JANE, require_account=True), confirm=True)
    assert User.objects.filter(pk=world.priya.pk).values().get() == priya_before
    world.paper.refresh_from_db()
    world.priyas.refresh_from_db()
    world.other_partner.refresh_from_db()
    assert world.paper.lead_director == "Priya Raman, Director of Strategy"
    assert world.priyas.owner_id == world.priya.pk
    assert world.other_partner.contact_email == PRIYA
    assert Membership.objects.filter(user=world.priya).count() == 2


def test_erasure_keeps_the_audit_log_and_records_one_event(world, cast):
    before = list(AuditEvent.objects.order_by("pk").values())
    call_command("erase_person", "--email", JANE, "--confirm", "--by", cast.a_administrator.email)
    after = list(AuditEvent.objects.order_by("pk").values())
    assert after[: len(before)] == before
    (event,) = after[len(before) :]
    assert event["action"] == "person.erased"
    assert event["actor_id"] == cast.a_administrator.pk
    assert event["target_id"] == str(world.jane.pk)
    assert event["new"]["changed"]["engagement.boardpaper.author"] == 1
    # Jane's: the one she wrote, the one naming her membership, three naming her in old/new/labels.
    assert event["new"]["retained"]["audit.auditevent"] == 5
    assert "whitfield" not in json.dumps(event, default=str).lower() and JANE not in json.dumps(event, default=str)


def test_an_unknown_email_is_refused_and_nothing_changes(world):
    before = _everything()
    with pytest.raises(CommandError, match="No account has the email address nobody@example.nhs.uk"):
        call_command("erase_person", "--email", "nobody@example.nhs.uk", "--confirm")
    assert _everything() == before


def test_a_person_who_does_not_sign_in_is_erased_by_name(world):
    privacy.erase(privacy.find_person(name="Priya Raman", require_account=True), confirm=True)
    world.paper.refresh_from_db()
    assert world.paper.lead_director == "" and world.paper.author.startswith("Jane Whitfield")
    assert User.objects.get(pk=world.priya.pk).email == PRIYA  # by name only: the account is not touched
    assert AuditEvent.objects.filter(action="person.erased", target_id="").count() == 1


def test_special_category_fields_take_the_same_path(world, monkeypatch):
    # No special category field exists yet (equality monitoring will bring them): pretend author is one.
    monkeypatch.setattr(BoardPaper.PersonalData, "personal", ["lead_director", "what_people_said"])
    monkeypatch.setattr(BoardPaper.PersonalData, "special_category", ["author"], raising=False)
    assert personal_data.classification(BoardPaper)["author"] == personal_data.SPECIAL_CATEGORY

    row = next(r for r in _export(email=JANE)["records"]["engagement.boardpaper"] if r["id"] == world.paper.pk)
    assert row["about_you"]["author"] == {
        "value": "Jane Whitfield, Head of Engagement",
        "category": "special category",
        "found_by": "text",
    }
    privacy.erase(privacy.find_person(email=JANE, require_account=True), confirm=True)
    world.paper.refresh_from_db()
    assert world.paper.author == ""
