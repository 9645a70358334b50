"""Every change to the engagement record. Each service runs in one transaction and writes its audit event.

Services check that everything they link (programme, decisions, partners, audience tags) belongs
to the same organisation as the record, so another organisation's ids are refused here even if a
form were bypassed. Only the fields named in each *_FIELDS list can be set (mass-assignment guard).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from involve.audit import services as audit

from .models import (
    Activity,
    AudienceTag,
    Decision,
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
    "method",
    "ladder_level",
    "starts_on",
    "ends_on",
    "location",
    "online",
    "public_partners",
    "public_partner_roles",
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


def _snapshot(instance, fields, m2m=()):
    return audit.snapshot(instance, fields, m2m)


def _only(allowed, changes):
    unknown = set(changes) - set(allowed)
    if unknown:
        raise TypeError(f"These fields cannot be set here: {', '.join(sorted(unknown))}")


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


def _save(instance):
    instance.full_clean()
    instance.save()
    return instance


def _lock(instance):
    # Re-read under a row lock so the audit event's old values are what was stored, not what a form set.
    return type(instance).objects.select_for_update().get(pk=instance.pk)


def _update(instance, *, by, action, fields, changes, m2m=None, label=None):
    _only(fields, changes)
    instance = _lock(instance)
    m2m = m2m or {}
    old = _snapshot(instance, fields, m2m.keys())
    for name, value in changes.items():
        setattr(instance, name, value)
    _save(instance)
    for name, items in m2m.items():
        getattr(instance, name).set(items)
    before, after = audit.changed(old, _snapshot(instance, fields, m2m.keys()))
    if before or after:
        audit.record(
            action=action,
            by=by,
            organisation=instance.organisation_id,
            target=instance,
            old=before,
            new=after,
            target_label=label,
        )
    return instance


def _delete(instance, *, by, action, fields, m2m=()):
    instance = _lock(instance)
    audit.record(
        action=action,
        by=by,
        organisation=instance.organisation_id,
        target=instance,
        old=_snapshot(instance, fields, m2m),
    )
    instance.delete()


# Programmes, improvement objectives and milestones


def refresh_involvement(decision_ids):
    """Work out again the stored involvement facts (Decision.involvement_count and the others) of these
    decisions. Every service that changes an activity, its decisions or evidence calls it, in its own
    transaction, for the decisions before and after the change."""
    ids = set(decision_ids)
    if ids:
        Decision.objects.filter(pk__in=ids).update(**involvement_facts())


def _decision_ids(activity):
    return set(activity.decisions.values_list("pk", flat=True))


@transaction.atomic
def programme_create(*, by, organisation, **fields):
    _only(PROGRAMME_FIELDS, fields)
    programme = _save(Programme(organisation=organisation, **fields))
    audit.record(
        action="programme.create",
        by=by,
        organisation=organisation,
        target=programme,
        new=_snapshot(programme, PROGRAMME_FIELDS),
    )
    return programme


@transaction.atomic
def programme_update(*, by, programme, **changes):
    return _update(programme, by=by, action="programme.update", fields=PROGRAMME_FIELDS, changes=changes)


@transaction.atomic
def programme_delete(*, by, programme):
    n_decisions, n_activities = programme.decisions.count(), programme.activities.count()
    if n_decisions or n_activities:
        raise ValidationError(
            f"{programme.name} has {_plural(n_decisions, 'decision')} and "
            f"{_plural(n_activities, 'activity')}. Move them to another programme, or delete them, first."
        )
    _delete(programme, by=by, action="programme.delete", fields=PROGRAMME_FIELDS)


def _check_owner(organisation, owner):
    if owner is not None and not owner.memberships.filter(organisation=organisation).exists():
        raise ValidationError({"owner": f"Choose someone who is a member of {organisation.name}"})


@transaction.atomic
def objective_create(*, by, programme, **fields):
    _only(OBJECTIVE_FIELDS, fields)
    _check_owner(programme.organisation, fields.get("owner"))
    objective = ImprovementObjective(organisation_id=programme.organisation_id, programme=programme, **fields)
    _save(objective)
    audit.record(
        action="objective.create",
        by=by,
        organisation=objective.organisation_id,
        target=objective,
        new={"programme": programme.pk, **_snapshot(objective, OBJECTIVE_FIELDS)},
    )
    return objective


@transaction.atomic
def objective_update(*, by, objective, **changes):
    if "owner" in changes:
        _check_owner(objective.organisation, changes["owner"])
    return _update(objective, by=by, action="objective.update", fields=OBJECTIVE_FIELDS, changes=changes)


@transaction.atomic
def objective_delete(*, by, objective):
    _delete(objective, by=by, action="objective.delete", fields=OBJECTIVE_FIELDS)


@transaction.atomic
def milestone_create(*, by, objective, **fields):
    _only(MILESTONE_FIELDS, fields)
    milestone = _save(Milestone(organisation_id=objective.organisation_id, objective=objective, **fields))
    audit.record(
        action="milestone.create",
        by=by,
        organisation=milestone.organisation_id,
        target=milestone,
        new={"objective": objective.pk, **_snapshot(milestone, MILESTONE_FIELDS)},
    )
    return milestone


@transaction.atomic
def milestone_update(*, by, milestone, **changes):
    return _update(milestone, by=by, action="milestone.update", fields=MILESTONE_FIELDS, changes=changes)


@transaction.atomic
def milestone_delete(*, by, milestone):
    _delete(milestone, by=by, action="milestone.delete", fields=MILESTONE_FIELDS)


# Decisions and the duty to involve


@transaction.atomic
def decision_create(*, by, organisation, **fields):
    _only(DECISION_FIELDS, fields)
    _same_organisation(organisation, programme=fields.get("programme"))
    decision = _save(Decision(organisation=organisation, **fields))
    audit.record(
        action="decision.create",
        by=by,
        organisation=organisation,
        target=decision,
        new=_snapshot(decision, DECISION_FIELDS),
    )
    return decision


@transaction.atomic
def decision_update(*, by, decision, **changes):
    _same_organisation(decision.organisation, programme=changes.get("programme"))
    return _update(decision, by=by, action="decision.update", fields=DECISION_FIELDS, changes=changes)


def _check_screening(decision, duties):
    applies = decision.affects_services == Decision.Answer.YES
    status = decision.duty_status
    errors = {}
    if decision.affects_services != Decision.Answer.NOT_YET and not decision.affects_rationale.strip():
        errors["affects_rationale"] = "Give the reasons for your answer, so others can follow the assessment"
    if status == Decision.DutyStatus.NOT_APPLICABLE and applies:
        errors["duty_status"] = (
            "The decision affects how services are delivered or the range of services, "
            "so the duty to involve applies"
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
    allowed = set(duties_for(decision.organisation, decision.decision_date).values_list("pk", flat=True))
    if any(d.pk not in allowed for d in duties):
        errors["duties"] = "Choose only duties that apply to this organisation on the date of the decision"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def decision_screen(*, by, decision, duties=(), plan_audiences=(), **assessment):
    """Record the duty-to-involve assessment. Who screened it and when are set here, not by the form."""
    _only(SCREENING_FIELDS, assessment)
    _same_organisation(decision.organisation, plan_audiences=list(plan_audiences))
    decision = _lock(decision)
    old = _snapshot(decision, SCREENING_FIELDS, SCREENING_M2M)
    for name, value in assessment.items():
        setattr(decision, name, value)
    _check_screening(decision, list(duties))
    decision.screened_by = by
    decision.screened_at = timezone.now()
    _save(decision)
    decision.duties.set(duties)
    decision.plan_audiences.set(plan_audiences)
    before, after = audit.changed(old, _snapshot(decision, SCREENING_FIELDS, SCREENING_M2M))
    audit.record(
        action="decision.screen",
        by=by,
        organisation=decision.organisation_id,
        target=decision,
        old=before,
        new=after,
    )
    return decision


@transaction.atomic
def decision_delete(*, by, decision):
    n_evidence = decision.evidence.count()
    if n_evidence:
        raise ValidationError(
            f"This decision has {_plural(n_evidence, 'piece')} of evidence. Evidence may be needed if the "
            "decision is challenged, so remove it deliberately before deleting the decision."
        )
    _delete(
        decision,
        by=by,
        action="decision.delete",
        fields=DECISION_FIELDS + SCREENING_FIELDS,
        m2m=SCREENING_M2M,
    )


# Activities


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
    activity = _save(Activity(organisation=organisation, **fields))
    for name, items in m2m.items():
        getattr(activity, name).set(items)
    refresh_involvement(d.pk for d in m2m["decisions"])
    audit.record(
        action="activity.create",
        by=by,
        organisation=organisation,
        target=activity,
        new=_snapshot(activity, ACTIVITY_FIELDS, ACTIVITY_M2M),
    )
    return activity


@transaction.atomic
def activity_update(
    *, by, activity, decisions=None, partners=None, audiences_targeted=None, audiences_reached=None, **changes
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
    activity = _update(
        activity, by=by, action="activity.update", fields=ACTIVITY_FIELDS, changes=changes, m2m=m2m
    )
    refresh_involvement(before | _decision_ids(activity))
    return activity


@transaction.atomic
def activity_record_feedback(*, by, activity, feedback_what, feedback_given_on, feedback_how):
    """Closing the loop: what the people who took part were told, when and how."""
    activity = _update(
        activity,
        by=by,
        action="activity.feedback",
        fields=FEEDBACK_FIELDS,
        changes={
            "feedback_what": feedback_what,
            "feedback_given_on": feedback_given_on,
            "feedback_how": feedback_how,
        },
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
    _delete(
        activity, by=by, action="activity.delete", fields=ACTIVITY_FIELDS + FEEDBACK_FIELDS, m2m=ACTIVITY_M2M
    )
    refresh_involvement(before)


# VCSE partners and terms of engagement


@transaction.atomic
def partner_create(*, by, organisation, **fields):
    _only(PARTNER_FIELDS, fields)
    partner = _save(VCSEPartner(organisation=organisation, **fields))
    audit.record(
        action="partner.create",
        by=by,
        organisation=organisation,
        target=partner,
        new=_snapshot(partner, PARTNER_FIELDS),
    )
    return partner


@transaction.atomic
def partner_update(*, by, partner, **changes):
    return _update(partner, by=by, action="partner.update", fields=PARTNER_FIELDS, changes=changes)


@transaction.atomic
def partner_delete(*, by, partner):
    n_activities = partner.activities.count()
    if n_activities:
        raise ValidationError(
            f"{partner.name} took part in {_plural(n_activities, 'activity')}, which would lose the record "
            "of their part. Remove them from those activities first."
        )
    _delete(partner, by=by, action="partner.delete", fields=PARTNER_FIELDS)


@transaction.atomic
def terms_create(*, by, partner, **fields):
    _only(TERMS_FIELDS, fields)
    terms = _save(TermsOfEngagement(organisation_id=partner.organisation_id, partner=partner, **fields))
    audit.record(
        action="terms.create",
        by=by,
        organisation=terms.organisation_id,
        target=terms,
        new={"partner": partner.pk, **_snapshot(terms, TERMS_FIELDS)},
    )
    return terms


@transaction.atomic
def terms_update(*, by, terms, **changes):
    return _update(terms, by=by, action="terms.update", fields=TERMS_FIELDS, changes=changes)


@transaction.atomic
def terms_delete(*, by, terms):
    _delete(terms, by=by, action="terms.delete", fields=TERMS_FIELDS)


# Audience tags (an organisation's own; the national defaults come from a migration)


@transaction.atomic
def audience_tag_create(*, by, organisation, **fields):
    _only(AUDIENCE_TAG_FIELDS, fields)
    if AudienceTag.objects.filter(organisation=None, name__iexact=fields.get("name", "").strip()).exists():
        raise ValidationError({"name": "There is already a national audience with this name"})
    tag = _save(AudienceTag(organisation=organisation, **fields))
    audit.record(
        action="audience_tag.create",
        by=by,
        organisation=organisation,
        target=tag,
        new=_snapshot(tag, AUDIENCE_TAG_FIELDS),
    )
    return tag


@transaction.atomic
def audience_tag_update(*, by, tag, **changes):
    if tag.organisation_id is None:
        raise ValidationError("The national audiences cannot be changed.")
    return _update(tag, by=by, action="audience_tag.update", fields=AUDIENCE_TAG_FIELDS, changes=changes)
