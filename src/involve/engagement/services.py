"""Every change to the engagement record. Each service runs in one transaction and writes its audit event.

Writes go through involve.audit.writes: a field allowlist (the *_FIELDS lists, which the forms use
too), a row lock, the audit event in the same transaction, and a revision check on every update
(`revision=` is what the person's form was opened at), so two people editing the same record never
silently overwrite each other. Services check that everything they link (programme, decisions,
partners, audience tags) belongs to the same organisation as the record, so another organisation's
ids are refused here even if a form were bypassed.

A record never claims more than it holds: a decision's status "Involvement complete" or "Feedback
given" is accepted only when its involvement supports it, and is corrected (with an audit event) when
a later change to its activities or evidence takes that support away.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from involve.audit import services as audit
from involve.audit import writes

from .models import (
    Activity,
    AudienceTag,
    Decision,
    Evidence,
    ImprovementObjective,
    Milestone,
    Programme,
    TermsOfEngagement,
    VCSEPartner,
)
from .selectors import duties_for, involvement_facts

PROGRAMME_FIELDS = ["name", "description"]
OBJECTIVE_FIELDS = ["title", "description", "owner", "owner_name", "status", "target_date"]
MILESTONE_FIELDS = ["title", "due_date", "done_date"]
DECISION_FIELDS = [
    "title",
    "reference",
    "programme",
    "decision_maker",
    "kind",
    "planned_date",
    "actual_date",
    "summary",
]
DECISION_M2M = ["affected_organisations"]
SCREENING_FIELDS = [
    "affects_services",
    "affects_rationale",
    "substantial_variation",
    "scrutiny_consulted_on",
    "eia_reference",
    "health_inequalities",
    "plan_methods",
    "plan_starts",
    "plan_ends",
    "plan_notes",
    "feedback_changes",
    "duty_status",
]
SCREENING_M2M = ["duties", "plan_audiences"]
ACTIVITY_FIELDS = [
    "title",
    "description",
    "programme",
    "state",
    "method",
    "ladder_level",
    "starts_on",
    "ends_on",
    "location",
    "online",
    "public_partners",
    "public_partner_roles",
    "expected_participants",
    "participants",
    "responses",
    "cost",
    "outputs",
]
ACTIVITY_M2M = ["decisions", "partners", "audiences_targeted", "audiences_reached"]
FEEDBACK_FIELDS = ["feedback_what", "feedback_given_on", "feedback_how"]
PARTNER_FIELDS = ["name", "kind", "contact_email", "website", "description"]
TERMS_FIELDS = ["version", "agreed_on", "review_on", "document_url", "summary"]
AUDIENCE_TAG_FIELDS = ["name", "description", "inclusion_health", "active"]


def _plural(n, noun):
    if n == 1:
        return f"1 {noun}"
    return f"{n} {noun[:-1] + 'ies' if noun.endswith('y') else noun + 's'}"


_only = writes.only


def _same_organisation(organisation, **linked):
    """Refuse links to another organisation's records. National audience tags (no organisation) are shared."""
    errors = {}
    for field, value in linked.items():
        if value is None:
            continue
        items = value if isinstance(value, list | tuple | set) or hasattr(value, "model") else [value]
        for item in items:
            owner = item.organisation_id
            if field.startswith("audiences") or field == "plan_audiences":
                if owner is not None and owner != organisation.pk:
                    errors[field] = f"Choose audiences used by {organisation.name}"
            elif owner != organisation.pk:
                errors[field] = f"Choose only records of {organisation.name}"
    if errors:
        raise ValidationError(errors)


# Programmes, improvement objectives and milestones


@transaction.atomic  # its own transaction when called alone (an import, a factory): it locks decisions
def refresh_involvement(decision_ids):
    """Work out again the stored involvement facts (Decision.involvement_count and the others) of these
    decisions, and correct any status they no longer support. Every service that changes an activity,
    its decisions or evidence calls it, in its own transaction, for the decisions before and after."""
    ids = set(decision_ids)
    if ids:
        audit.take_turn()  # before the decisions' rows, as every audited write (audit.services.take_turn)
        Decision.objects.filter(pk__in=ids).update(**involvement_facts())
        _correct_statuses(ids)


def _decision_ids(activity):
    return set(activity.decisions.values_list("pk", flat=True))


@transaction.atomic
def programme_create(*, by, organisation, **fields):
    _only(PROGRAMME_FIELDS, fields)
    return writes.create(
        Programme(organisation=organisation, **fields), by=by, action="programme.create", fields=PROGRAMME_FIELDS
    )


@transaction.atomic
def programme_update(*, by, programme, revision=None, **changes):
    return writes.update(
        programme, by=by, action="programme.update", fields=PROGRAMME_FIELDS, changes=changes, version=revision
    )


@transaction.atomic
def programme_delete(*, by, programme):
    n_decisions, n_activities = programme.decisions.count(), programme.activities.count()
    if n_decisions or n_activities:
        raise ValidationError(
            f"{programme.name} has {_plural(n_decisions, 'decision')} and "
            f"{_plural(n_activities, 'activity')}. Move them to another programme, or delete them, first."
        )
    writes.delete(programme, by=by, action="programme.delete", fields=PROGRAMME_FIELDS)


def _check_owner(organisation, owner):
    if owner is not None and not owner.memberships.filter(organisation=organisation).exists():
        raise ValidationError({"owner": f"Choose someone who is a member of {organisation.name}"})


@transaction.atomic
def objective_create(*, by, programme, **fields):
    _only(OBJECTIVE_FIELDS, fields)
    _check_owner(programme.organisation, fields.get("owner"))
    objective = ImprovementObjective(organisation_id=programme.organisation_id, programme=programme, **fields)
    return writes.create(
        objective, by=by, action="objective.create", fields=OBJECTIVE_FIELDS, extra={"programme": programme.pk}
    )


@transaction.atomic
def objective_update(*, by, objective, revision=None, **changes):
    if "owner" in changes:
        _check_owner(objective.organisation, changes["owner"])
    return writes.update(
        objective, by=by, action="objective.update", fields=OBJECTIVE_FIELDS, changes=changes, version=revision
    )


@transaction.atomic
def objective_delete(*, by, objective):
    writes.delete(objective, by=by, action="objective.delete", fields=OBJECTIVE_FIELDS)


@transaction.atomic
def milestone_create(*, by, objective, **fields):
    _only(MILESTONE_FIELDS, fields)
    milestone = Milestone(organisation_id=objective.organisation_id, objective=objective, **fields)
    return writes.create(
        milestone, by=by, action="milestone.create", fields=MILESTONE_FIELDS, extra={"objective": objective.pk}
    )


@transaction.atomic
def milestone_update(*, by, milestone, revision=None, **changes):
    return writes.update(
        milestone, by=by, action="milestone.update", fields=MILESTONE_FIELDS, changes=changes, version=revision
    )


@transaction.atomic
def milestone_delete(*, by, milestone):
    writes.delete(milestone, by=by, action="milestone.delete", fields=MILESTONE_FIELDS)


# Decisions and the duty to involve


def _check_affected(organisation, affected):
    if any(org.pk == organisation.pk for org in affected):
        raise ValidationError(
            {"affected_organisations": f"{organisation.name} owns the decision: choose only other organisations"}
        )


@transaction.atomic
def decision_create(*, by, organisation, affected_organisations=(), **fields):
    _only(DECISION_FIELDS, fields)
    _same_organisation(organisation, programme=fields.get("programme"))
    _check_affected(organisation, affected_organisations)
    return writes.create(
        Decision(organisation=organisation, **fields),
        by=by,
        action="decision.create",
        fields=DECISION_FIELDS,
        m2m={"affected_organisations": list(affected_organisations)},
    )


@transaction.atomic
def decision_update(*, by, decision, revision=None, affected_organisations=None, **changes):
    _same_organisation(decision.organisation, programme=changes.get("programme"))
    m2m = {}
    if affected_organisations is not None:
        _check_affected(decision.organisation, affected_organisations)
        m2m["affected_organisations"] = list(affected_organisations)
    decision = writes.update(
        decision,
        by=by,
        action="decision.update",
        fields=DECISION_FIELDS,
        changes=changes,
        m2m=m2m,
        version=revision,
    )
    # A new decision date can take away the support for its status (involvement dated before it).
    _correct_statuses([decision.pk])
    return decision


# Statuses that claim involvement has happened, and what each needs from the record.
_CLAIMS_INVOLVEMENT = (Decision.DutyStatus.INVOLVEMENT_COMPLETE, Decision.DutyStatus.FEEDBACK_GIVEN)


def status_gaps(decision, status=None) -> list[str]:
    """What the record lacks for `status` (default: the decision's own): empty when it supports it.

    "Involvement complete" needs an activity or evidence dated on or before the decision date;
    "Feedback given" needs that and feedback recorded for every activity that informed the decision."""
    status = status or decision.duty_status
    if status not in _CLAIMS_INVOLVEMENT:
        return []
    gaps = []
    activities = Activity.objects.filter(decisions=decision)
    evidence = Evidence.objects.filter(Q(decision=decision) | Q(activity__decisions=decision))
    if not activities.exists() and not evidence.exists():
        gaps.append("No involvement activity or evidence is linked to the decision")
    elif decision.decision_date and not (
        activities.filter(starts_on__lte=decision.decision_date).exists()
        or evidence.filter(dated__lte=decision.decision_date).exists()
    ):
        gaps.append(
            f"None of the involvement is dated on or before the decision date, {decision.decision_date:%-d %B %Y}"
        )
    if status == Decision.DutyStatus.FEEDBACK_GIVEN:
        missing = list(
            activities.filter(feedback_given_on__isnull=True)
            .order_by("starts_on", "pk")
            .values_list("title", flat=True)
        )
        if missing:
            titles = ", ".join(f"‘{t}’" for t in missing[:5]) + (
                f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            )
            gaps.append(f"No feedback to participants is recorded for {_plural(len(missing), 'activity')}: {titles}")
    return gaps


def _supported_status(decision):
    """The furthest status the record supports, not beyond the one the decision claims."""
    for status in (Decision.DutyStatus.FEEDBACK_GIVEN, Decision.DutyStatus.INVOLVEMENT_COMPLETE):
        if decision.duty_status in _CLAIMS_INVOLVEMENT and _rank(status) <= _rank(decision.duty_status):
            if not status_gaps(decision, status):
                return status
    return Decision.DutyStatus.PLAN_IN_PROGRESS


def _rank(status):
    return Decision.DutyStatus.values.index(status)


def _correct_statuses(decision_ids):
    """Step back any status that the record no longer supports, saying so in the audit log, so that
    lists and cover sheets never show a status the record contradicts."""
    claims = Decision.objects.select_for_update().filter(pk__in=decision_ids, duty_status__in=_CLAIMS_INVOLVEMENT)
    for decision in claims:
        supported = _supported_status(decision)
        if supported != decision.duty_status:
            old = decision.duty_status
            decision.duty_status = supported
            decision.revision += 1
            decision.save(update_fields=["duty_status", "revision", "updated_at"])
            audit.record(
                action="decision.status_corrected",
                by=None,
                organisation=decision.organisation_id,
                target=decision,
                old={"duty_status": old},
                new={"duty_status": supported},
            )


def _check_screening(decision, duties):
    applies = decision.affects_services == Decision.Answer.YES
    status = decision.duty_status
    errors = {}
    if decision.affects_services != Decision.Answer.NOT_YET and not decision.affects_rationale.strip():
        errors["affects_rationale"] = "Give the reasons for your answer, so others can follow the assessment"
    if status == Decision.DutyStatus.NOT_APPLICABLE and applies:
        errors["duty_status"] = (
            "The decision affects how services are delivered or the range of services, so the duty to involve applies"
        )
    elif (
        status
        in (
            Decision.DutyStatus.PLAN_IN_PROGRESS,
            Decision.DutyStatus.INVOLVEMENT_COMPLETE,
            Decision.DutyStatus.FEEDBACK_GIVEN,
        )
        and decision.affects_services == Decision.Answer.NO
    ):
        errors["duty_status"] = "You said the decision does not affect services, so the duty does not apply"
    elif status == Decision.DutyStatus.NOT_SCREENED and decision.affects_services != Decision.Answer.NOT_YET:
        errors["duty_status"] = "Choose where the decision has got to"
    elif gaps := status_gaps(decision):
        errors["duty_status"] = (
            f"The record does not yet support ‘{decision.get_duty_status_display()}’. "
            + ". ".join(gaps)
            + ". Choose an earlier stage, or record what is missing first"
        )
    allowed = set(duties_for(decision.organisation, decision.decision_date).values_list("pk", flat=True))
    if any(d.pk not in allowed for d in duties):
        errors["duties"] = "Choose only duties that apply to this organisation on the date of the decision"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def decision_screen(*, by, decision, duties=(), plan_audiences=(), revision=None, **assessment):
    """Record the duty-to-involve assessment. Who screened it and when are set here, not by the form,
    and only when the screening changed: saving it unchanged changes nothing."""
    _only(SCREENING_FIELDS, assessment)
    _same_organisation(decision.organisation, plan_audiences=list(plan_audiences))
    duties = list(duties)

    def check(record):
        _check_screening(record, duties)
        record.screened_by = by
        record.screened_at = timezone.now()

    return writes.update(
        decision,
        by=by,
        action="decision.screen",
        fields=SCREENING_FIELDS,
        changes=assessment,
        m2m={"duties": duties, "plan_audiences": list(plan_audiences)},
        version=revision,
        validate=check,
    )


@transaction.atomic
def decision_delete(*, by, decision):
    n_evidence = decision.evidence.count()
    if n_evidence:
        raise ValidationError(
            f"This decision has {_plural(n_evidence, 'piece')} of evidence. Evidence may be needed if the "
            "decision is challenged, so remove it deliberately before deleting the decision."
        )
    from .coversheet import limits  # the cover sheet package builds on this module

    decision_id = decision.pk
    writes.delete(
        decision,
        by=by,
        action="decision.delete",
        fields=DECISION_FIELDS + SCREENING_FIELDS,
        m2m=SCREENING_M2M + DECISION_M2M,
    )
    # Its stored cover sheets go once the deletion has committed (a rolled-back one keeps them).
    transaction.on_commit(lambda: limits.forget(decision_id))


# Activities


def _check_reached(activity, audiences_reached):
    # The audiences an activity reached are, like the people who took part, known only once it has happened.
    if list(audiences_reached) and not activity.has_taken_place:
        raise ValidationError(
            {
                "audiences_reached": "Audiences it reached can be recorded only once the activity has taken place. "
                "Change its state to ‘Taking place’ or ‘Done’ first"
            }
        )


@transaction.atomic
def activity_create(
    *, by, organisation, decisions=(), partners=(), audiences_targeted=(), audiences_reached=(), **fields
):
    _only(ACTIVITY_FIELDS, fields)
    m2m = {
        "decisions": list(decisions),
        "partners": list(partners),
        "audiences_targeted": list(audiences_targeted),
        "audiences_reached": list(audiences_reached),
    }
    _same_organisation(organisation, programme=fields.get("programme"), **m2m)
    _check_reached(Activity(**fields), m2m["audiences_reached"])
    activity = writes.create(
        Activity(organisation=organisation, **fields), by=by, action="activity.create", fields=ACTIVITY_FIELDS, m2m=m2m
    )
    refresh_involvement(d.pk for d in m2m["decisions"])
    return activity


@transaction.atomic
def activity_update(
    *,
    by,
    activity,
    decisions=None,
    partners=None,
    audiences_targeted=None,
    audiences_reached=None,
    revision=None,
    **changes,
):
    m2m = {
        name: list(items)
        for name, items in (
            ("decisions", decisions),
            ("partners", partners),
            ("audiences_targeted", audiences_targeted),
            ("audiences_reached", audiences_reached),
        )
        if items is not None
    }
    _same_organisation(activity.organisation, programme=changes.get("programme"), **m2m)
    before = _decision_ids(activity)

    def check(record):
        reached = m2m["audiences_reached"] if "audiences_reached" in m2m else record.audiences_reached.all()
        _check_reached(record, reached)

    activity = writes.update(
        activity,
        by=by,
        action="activity.update",
        fields=ACTIVITY_FIELDS,
        changes=changes,
        m2m=m2m,
        version=revision,
        validate=check,
    )
    refresh_involvement(before | _decision_ids(activity))
    return activity


@transaction.atomic
def activity_record_feedback(*, by, activity, feedback_what, feedback_given_on, feedback_how, revision=None):
    """Closing the loop: what the people who took part were told, when and how (only once it has taken place)."""
    activity = writes.update(
        activity,
        by=by,
        action="activity.feedback",
        fields=FEEDBACK_FIELDS,
        changes={
            "feedback_what": feedback_what,
            "feedback_given_on": feedback_given_on,
            "feedback_how": feedback_how,
        },
        version=revision,
    )
    refresh_involvement(_decision_ids(activity))
    return activity


@transaction.atomic
def activity_delete(*, by, activity):
    n_evidence = activity.evidence.count()
    if n_evidence:
        raise ValidationError(
            f"This activity has {_plural(n_evidence, 'piece')} of evidence. Remove the evidence deliberately "
            "before deleting the activity."
        )
    before = _decision_ids(activity)
    writes.delete(activity, by=by, action="activity.delete", fields=ACTIVITY_FIELDS + FEEDBACK_FIELDS, m2m=ACTIVITY_M2M)
    refresh_involvement(before)


# VCSE partners and terms of engagement


@transaction.atomic
def partner_create(*, by, organisation, **fields):
    _only(PARTNER_FIELDS, fields)
    return writes.create(
        VCSEPartner(organisation=organisation, **fields), by=by, action="partner.create", fields=PARTNER_FIELDS
    )


@transaction.atomic
def partner_update(*, by, partner, revision=None, **changes):
    return writes.update(
        partner, by=by, action="partner.update", fields=PARTNER_FIELDS, changes=changes, version=revision
    )


@transaction.atomic
def partner_delete(*, by, partner):
    n_activities = partner.activities.count()
    if n_activities:
        raise ValidationError(
            f"{partner.name} took part in {_plural(n_activities, 'activity')}, which would lose the record "
            "of their part. Remove them from those activities first."
        )
    writes.delete(partner, by=by, action="partner.delete", fields=PARTNER_FIELDS)


@transaction.atomic
def terms_create(*, by, partner, **fields):
    _only(TERMS_FIELDS, fields)
    terms = TermsOfEngagement(organisation_id=partner.organisation_id, partner=partner, **fields)
    return writes.create(terms, by=by, action="terms.create", fields=TERMS_FIELDS, extra={"partner": partner.pk})


@transaction.atomic
def terms_update(*, by, terms, revision=None, **changes):
    return writes.update(terms, by=by, action="terms.update", fields=TERMS_FIELDS, changes=changes, version=revision)


@transaction.atomic
def terms_delete(*, by, terms):
    writes.delete(terms, by=by, action="terms.delete", fields=TERMS_FIELDS)


# Audience tags (an organisation's own; the national defaults come from a migration)


@transaction.atomic
def audience_tag_create(*, by, organisation, **fields):
    _only(AUDIENCE_TAG_FIELDS, fields)
    if AudienceTag.objects.filter(organisation=None, name__iexact=fields.get("name", "").strip()).exists():
        raise ValidationError({"name": "There is already a national audience with this name"})
    return writes.create(
        AudienceTag(organisation=organisation, **fields),
        by=by,
        action="audience_tag.create",
        fields=AUDIENCE_TAG_FIELDS,
    )


@transaction.atomic
def audience_tag_update(*, by, tag, revision=None, **changes):
    if tag.organisation_id is None:
        raise ValidationError("The national audiences cannot be changed.")
    return writes.update(
        tag, by=by, action="audience_tag.update", fields=AUDIENCE_TAG_FIELDS, changes=changes, version=revision
    )
