"""Writes the demo records in data.py: each is looked up by its name first, so loading twice adds
nothing, and written through the services, so the audit log shows it."""

import datetime

from django.utils import timezone

from involve.core import dates

from .. import evidence as evidence_services
from .. import services
from ..models import (
    Activity,
    AudienceTag,
    Decision,
    Evidence,
    ImprovementObjective,
    LegalDuty,
    Milestone,
    Programme,
    TermsOfEngagement,
    VCSEPartner,
)
from .data import AREAS, EXAMPLE_SITE

# Screening fields given in data.py as days from today.
SCREENING_DATES = ("scrutiny_consulted_on", "plan_starts", "plan_ends")


def _day(offset):
    return timezone.localdate() + datetime.timedelta(days=offset)


def _tags(*names):
    return list(AudienceTag.objects.filter(organisation=None, name__in=names))


def _duties(*codes):
    return list(LegalDuty.objects.filter(code__in=codes, valid_to__isnull=True))


def _programme(org, by, name, description, objectives=()):
    programme = Programme.objects.filter(organisation=org, name=name).first()
    if programme is None:
        programme = services.programme_create(by=by, organisation=org, name=name, description=description)
    for title, status, target, owner_name, milestones in objectives:
        objective = ImprovementObjective.objects.filter(programme=programme, title=title).first()
        if objective is None:
            objective = services.objective_create(
                by=by,
                programme=programme,
                title=title,
                status=status,
                target_date=_day(target),
                owner_name=owner_name,
            )
        for m_title, due, done in milestones:
            if not Milestone.objects.filter(objective=objective, title=m_title).exists():
                services.milestone_create(
                    by=by,
                    objective=objective,
                    title=m_title,
                    due_date=_day(due),
                    done_date=_day(done) if done is not None else None,
                )
    return programme


def _partner(org, by, name, kind, email, terms):
    partner = VCSEPartner.objects.filter(organisation=org, name=name).first()
    if partner is None:
        partner = services.partner_create(by=by, organisation=org, name=name, kind=kind, contact_email=email)
    for version, agreed, review, summary in terms:
        if not TermsOfEngagement.objects.filter(partner=partner, version=version).exists():
            services.terms_create(
                by=by,
                partner=partner,
                version=version,
                agreed_on=_day(agreed),
                review_on=_day(review),
                summary=summary,
            )
    return partner


def _decision(org, by, spec):
    decision = Decision.objects.filter(organisation=org, title=spec["title"]).first()
    if decision is not None:
        return decision
    decision = services.decision_create(
        by=by,
        organisation=org,
        title=spec["title"],
        kind=spec["kind"],
        programme=spec.get("programme"),
        decision_maker=spec.get("maker", ""),
        summary=spec.get("summary", ""),
        reference=spec.get("reference", ""),
        planned_date=_day(spec["planned"]) if "planned" in spec else None,
        actual_date=_day(spec["actual"]) if "actual" in spec else None,
    )
    screening = spec.get("screening")
    if screening:
        final = screening.get("duty_status")
        if final in (Decision.DutyStatus.INVOLVEMENT_COMPLETE, Decision.DutyStatus.FEEDBACK_GIVEN):
            # The record supports these only once its activities and evidence exist: screen it as in
            # progress now, and move it on once the area's activities are loaded (_finish_screenings).
            _PENDING.append((by, decision, screening))
            screening = {**screening, "duty_status": Decision.DutyStatus.PLAN_IN_PROGRESS}
        services.decision_screen(by=by, decision=decision, **screening)
    return decision


_PENDING = []


def _finish_screenings():
    while _PENDING:
        by, decision, screening = _PENDING.pop(0)
        decision = Decision.objects.get(pk=decision.pk)
        # A demo decision whose involvement all came after it (the "late evidence" warning) stays in progress.
        if not services.status_gaps(decision, screening["duty_status"]):
            services.decision_screen(by=by, decision=decision, **screening)


def _state(starts_on, ends_on):
    if starts_on > dates.today():
        return Activity.State.PLANNED
    return Activity.State.DONE if (ends_on or starts_on) < dates.today() else Activity.State.TAKING_PLACE


def _activity(org, by, spec):
    activity = Activity.objects.filter(organisation=org, title=spec["title"]).first()
    if activity is not None:
        return activity
    activity = services.activity_create(
        by=by,
        organisation=org,
        title=spec["title"],
        method=spec["method"],
        ladder_level=spec["level"],
        state=spec.get("state") or _state(_day(spec["starts"]), _day(spec["ends"]) if "ends" in spec else None),
        starts_on=_day(spec["starts"]),
        ends_on=_day(spec["ends"]) if "ends" in spec else None,
        programme=spec.get("programme"),
        location=spec.get("location", ""),
        online=spec.get("online", False),
        participants=spec.get("participants"),
        responses=spec.get("responses"),
        public_partners=spec.get("public_partners", 0),
        public_partner_roles=spec.get("roles", ""),
        cost=spec.get("cost"),
        outputs=spec.get("outputs", ""),
        description=spec.get("description", ""),
        decisions=spec.get("decisions", []),
        partners=spec.get("partners", []),
        audiences_targeted=spec.get("targeted", []),
        audiences_reached=spec.get("reached", []),
    )
    if "feedback" in spec:
        what, when, how = spec["feedback"]
        services.activity_record_feedback(
            by=by, activity=activity, feedback_what=what, feedback_given_on=_day(when), feedback_how=how
        )
    return activity


def _link(by, owner, title, dated, path):
    if not Evidence.objects.filter(organisation_id=owner.organisation_id, title=title).exists():
        evidence_services.evidence_add_link(
            by=by, owner=owner, title=title, dated=_day(dated), url=f"{EXAMPLE_SITE}/{path}"
        )


def _screening(affects, rationale, status, duties=(), audiences=(), methods=(), **more):
    return {
        "affects_services": affects,
        "affects_rationale": rationale,
        "duty_status": status,
        "duties": _duties(*duties),
        "plan_audiences": _tags(*audiences),
        "plan_methods": list(methods),
        **more,
    }


def _screening_spec(spec):
    return _screening(**{k: _day(v) if k in SCREENING_DATES else v for k, v in spec.items()})


def _area(org, by, area):
    """One area's records from data.py, in order, with names turned into the records they name."""
    programmes = {p["name"]: _programme(org, by, **p) for p in area.get("programmes", ())}
    partners = {p["name"]: _partner(org, by, **p) for p in area.get("partners", ())}
    decisions = {}
    for kind, spec in area["records"]:
        spec = dict(spec)
        if "programme" in spec:
            spec["programme"] = programmes[spec["programme"]]
        if kind == "decision":
            if "screening" in spec:
                spec["screening"] = _screening_spec(spec["screening"])
            decisions[spec["title"]] = _decision(org, by, spec)
        elif kind == "activity":
            if "decisions" in spec:
                spec["decisions"] = [decisions[title] for title in spec["decisions"]]
            if "partners" in spec:
                spec["partners"] = [partners[name] for name in spec["partners"]]
            for audiences in ("targeted", "reached"):
                if audiences in spec:
                    spec[audiences] = _tags(*spec[audiences])
            _activity(org, by, spec)
        elif kind == "evidence":
            _link(by, decisions[spec["decision"]], spec["title"], spec["dated"], spec["path"])
        else:
            raise ValueError(f"Unknown demo record kind: {kind}")


def load_area(context):
    organisations, users = context["organisations"], context["users"]
    for code, email, area in AREAS:
        _area(organisations[code], users.get(email), area)
    _finish_screenings()
