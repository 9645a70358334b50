"""Demo engagement records for the demo ICB (QWE) and trust (RJ7).

Dates are relative to the day the demo is loaded, so the warnings always show: some decisions are
compliant, and one shows each warning (no involvement evidence, evidence after the decision,
feedback to participants missing). Every record is looked up by its name first, so loading twice
adds nothing. Records are written through the services, so the audit log shows them.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from involve.core import dates

from . import evidence as evidence_services
from . import services
from .models import (
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

EXAMPLE_SITE = "https://www.example.nhs.uk/involve-demo"


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


def _icb(org, by):
    maternity = _programme(
        org,
        by,
        "Maternity and neonatal",
        "Safer, more personal maternity care across the "
        "six boroughs, co-produced with the Maternity and Neonatal Voices Partnership.",
        [
            (
                "Every woman and birthing person has a personalised care plan",
                "on_track",
                180,
                "Local Maternity and Neonatal System",
                [("Care plan template co-designed", -60, -55), ("Rolled out in two trusts", 40, None)],
            ),
        ],
    )
    mental_health = _programme(
        org,
        by,
        "Mental health",
        "Community mental health transformation.",
        [
            (
                "Talking therapies waits under six weeks",
                "at_risk",
                120,
                "Mental health commissioning team",
                [("Extra therapists recruited", 20, None)],
            ),
        ],
    )
    urgent = _programme(org, by, "Urgent and emergency care", "Urgent treatment centres, NHS 111 and same-day care.")
    cancer = _programme(org, by, "Cancer", "Earlier diagnosis, with a focus on Core20PLUS5 communities.")

    healthwatch = _partner(
        org,
        by,
        "Healthwatch Wandsworth",
        VCSEPartner.Kind.HEALTHWATCH,
        "info@healthwatch.example.org",
        [("2", -300, 65, "Joint work plan and information sharing")],
    )
    carers = _partner(
        org,
        by,
        "Wandle Valley Carers Network",
        VCSEPartner.Kind.VCSE,
        "hello@carers.example.org",
        [("1", -500, -135, "Paid involvement of carers, expenses policy")],
    )
    refugees = _partner(org, by, "South London Refugee Welcome", VCSEPartner.Kind.VCSE, "", [])

    s14z45 = ("s14Z45", "Equality Act s149")
    # Compliant: involvement before the decision, evidence, feedback given.
    birth_centre = _decision(
        org,
        by,
        {
            "title": "Future of midwife-led care at the Wandle birth centre",
            "kind": Decision.Kind.SERVICE_CHANGE,
            "programme": maternity,
            "maker": "ICB Board",
            "reference": "ICB/25/041",
            "planned": -45,
            "actual": -30,
            "summary": "Options for keeping midwife-led births local while staffing is short.",
            "screening": _screening(
                "yes",
                "Changes where people can give birth, so it affects how services are delivered.",
                Decision.DutyStatus.FEEDBACK_GIVEN,
                duties=(*s14z45, "s244"),
                audiences=(
                    "Ethnic minority communities",
                    "Young people",
                    "People living in the most deprived areas (Core20)",
                ),
                methods=("workshop", "survey", "public_meeting"),
                substantial_variation="yes",
                scrutiny_consulted_on=_day(-70),
                eia_reference="EIA-2025-017",
                health_inequalities="Outcomes for Black women are worse: outreach through local groups.",
                plan_starts=_day(-150),
                plan_ends=_day(-60),
                plan_notes="Co-design workshops, a survey and two public "
                "meetings, with outreach through the Maternity and Neonatal Voices Partnership.",
                feedback_changes="A midwife-led unit stays open at weekends; transport support was added.",
            ),
        },
    )
    _activity(
        org,
        by,
        {
            "title": "Birth centre co-design workshops",
            "method": "workshop",
            "level": "collaborate",
            "starts": -150,
            "ends": -120,
            "programme": maternity,
            "location": "Tooting community hall",
            "participants": 46,
            "public_partners": 4,
            "roles": "Two parents co-chaired; two helped analyse feedback",
            "cost": Decimal("1850.00"),
            "decisions": [birth_centre],
            "partners": [healthwatch],
            "targeted": _tags("Ethnic minority communities", "Young people"),
            "reached": _tags("Young people"),
            "outputs": "Workshop report with three options",
            "feedback": (
                "What we heard, the option chosen and why, and what happens next.",
                -25,
                "Letter and a 'you said, we did' page",
            ),
        },
    )
    _activity(
        org,
        by,
        {
            "title": "Maternity services survey",
            "method": "survey",
            "level": "consult",
            "starts": -110,
            "ends": -80,
            "programme": maternity,
            "online": True,
            "participants": 612,
            "responses": 612,
            "decisions": [birth_centre],
            "targeted": _tags("People living in the most deprived areas (Core20)"),
            "feedback": (
                "Survey findings summary sent to everyone who left an email address.",
                -24,
                "Email and newsletter",
            ),
        },
    )
    _link(by, birth_centre, "Consultation report: midwife-led care", -50, "birth-centre-consultation-report")
    _link(by, birth_centre, "Scrutiny committee minutes", -70, "scrutiny-minutes")

    # Warnings (a) and (d): the duty applies, the decision is near and nothing is linked yet; moving the
    # hubs is a substantial variation and the scrutiny committee has not been consulted.
    _decision(
        org,
        by,
        {
            "title": "Locations of the new community mental health hubs",
            "kind": Decision.Kind.SERVICE_CHANGE,
            "programme": mental_health,
            "maker": "Mental health programme board",
            "planned": 40,
            "screening": _screening(
                "yes",
                "Moves where people go for community mental health care.",
                Decision.DutyStatus.PLAN_IN_PROGRESS,
                duties=s14z45,
                audiences=("People experiencing homelessness", "People who use drugs"),
                methods=("outreach", "focus_group"),
                substantial_variation="yes",
            ),
        },
    )
    # Warning (b): a linked activity and evidence dated after the decision.
    utc = _decision(
        org,
        by,
        {
            "title": "Opening hours of Queen Mary's urgent treatment centre",
            "kind": Decision.Kind.SERVICE_CHANGE,
            "programme": urgent,
            "maker": "Primary care commissioning committee",
            "actual": -60,
            "screening": _screening(
                "yes",
                "Shorter overnight opening changes access.",
                Decision.DutyStatus.INVOLVEMENT_COMPLETE,
                duties=s14z45,
                methods=("survey",),
            ),
        },
    )
    _activity(
        org,
        by,
        {
            "title": "Urgent care drop-in sessions",
            "method": "outreach",
            "level": "inform",
            "starts": -40,
            "programme": urgent,
            "location": "Roehampton library",
            "participants": 85,
            "decisions": [utc],
            "partners": [healthwatch],
            "feedback": ("Summary of questions asked and answers.", -20, "Leaflet"),
        },
    )
    _link(by, utc, "Patient survey on overnight use", -55, "utc-survey")
    # Warning (c): decision taken, a linked activity has no feedback to participants.
    bowel = _decision(
        org,
        by,
        {
            "title": "Bowel screening outreach service contract",
            "kind": Decision.Kind.PROCUREMENT,
            "programme": cancer,
            "maker": "ICB Board",
            "actual": -10,
            "screening": _screening(
                "yes",
                "A new provider changes how outreach is delivered.",
                Decision.DutyStatus.INVOLVEMENT_COMPLETE,
                duties=s14z45,
                audiences=("Gypsy, Roma and Traveller communities", "Ethnic minority communities"),
                methods=("interviews", "outreach"),
            ),
        },
    )
    _activity(
        org,
        by,
        {
            "title": "Interviews with people who did not return a screening kit",
            "method": "interviews",
            "level": "consult",
            "starts": -90,
            "ends": -60,
            "programme": cancer,
            "participants": 24,
            "decisions": [bowel],
            "partners": [refugees],
            "targeted": _tags("Gypsy, Roma and Traveller communities", "Asylum seekers and refugees"),
            "reached": _tags("Asylum seekers and refugees"),
            "cost": Decimal("960.00"),
        },
    )
    # Planned, duty applies, involvement under way (no warnings).
    plan = _decision(
        org,
        by,
        {
            "title": "Joint forward plan refresh",
            "kind": Decision.Kind.STRATEGIC_PLAN,
            "maker": "ICB Board",
            "planned": 120,
            "screening": _screening(
                "yes",
                "The joint forward plan sets the range of services for five years.",
                Decision.DutyStatus.PLAN_IN_PROGRESS,
                duties=s14z45,
                audiences=("Carers", "Older people", "Disabled people"),
                methods=("panel", "online_discussion"),
            ),
        },
    )
    _activity(
        org,
        by,
        {
            "title": "Citizens' panel on the forward plan",
            "method": "panel",
            "level": "involve",
            "starts": -14,
            "ends": 30,
            "participants": 32,
            "public_partners": 2,
            "roles": "Panel members on the steering group",
            "decisions": [plan],
            "partners": [carers],
            "targeted": _tags("Carers", "Older people"),
            "reached": _tags("Carers"),
        },
    )
    _decision(
        org,
        by,
        {
            "title": "Replacement of the pathology IT system",
            "kind": Decision.Kind.OPERATIONAL,
            "maker": "Digital board",
            "planned": 20,
            "screening": _screening(
                "no",
                "Back-office change; no effect on how or which services people receive.",
                Decision.DutyStatus.NOT_APPLICABLE,
                substantial_variation="no",
            ),
        },
    )
    _decision(
        org,
        by,
        {
            "title": "Extended access hubs in primary care",
            "kind": Decision.Kind.SERVICE_CHANGE,
            "planned": 90,
            "maker": "Primary care commissioning committee",
        },
    )


def _trust(org, by):
    outpatients = _programme(
        org,
        by,
        "Outpatients transformation",
        "Fewer wasted journeys, more care closer to home.",
        [
            (
                "Half of follow-ups offered remotely or patient-initiated",
                "on_track",
                200,
                "Outpatients team",
                [("Patient-initiated follow-up in three specialties", -20, -25)],
            ),
        ],
    )
    wards = _programme(org, by, "Patient experience on wards", "15 Steps visits and Always Events on our wards.")
    bloods = _decision(
        org,
        by,
        {
            "title": "Move outpatient blood tests to community sites",
            "kind": Decision.Kind.SERVICE_CHANGE,
            "programme": outpatients,
            "maker": "Trust board",
            "actual": -20,
            "screening": _screening(
                "yes",
                "Changes where people have blood tests.",
                Decision.DutyStatus.FEEDBACK_GIVEN,
                duties=("s242", "Equality Act s149"),
                audiences=("Older people", "People with a learning disability and autistic people"),
                methods=("focus_group", "fifteen_steps"),
                substantial_variation="no",
                feedback_changes="Early-morning slots kept at the hospital site.",
            ),
        },
    )
    _activity(
        org,
        by,
        {
            "title": "Focus groups on community phlebotomy",
            "method": "focus_group",
            "level": "consult",
            "starts": -80,
            "programme": outpatients,
            "location": "Balham health centre",
            "participants": 18,
            "decisions": [bloods],
            "reached": _tags("Older people"),
            "feedback": ("What we heard and the sites chosen.", -15, "Letter to participants"),
        },
    )
    _link(by, bloods, "Focus group notes", -80, "phlebotomy-focus-groups")
    _activity(
        org,
        by,
        {
            "title": "15 Steps visit to Caesar Hawkins ward",
            "method": "fifteen_steps",
            "level": "involve",
            "starts": -35,
            "programme": wards,
            "participants": 4,
            "public_partners": 2,
            "roles": "Patient and carer walkaround members",
            "decisions": [bloods],
            "feedback": ("Action plan shared with the visit team.", -10, "Meeting"),
        },
    )
    _activity(
        org,
        by,
        {
            "title": "Always Event: going home from hospital",
            "method": "always_event",
            "level": "co_produce",
            "starts": -120,
            "ends": -20,
            "programme": wards,
            "participants": 14,
            "public_partners": 5,
            "roles": "Co-design team members",
            "targeted": _tags("Carers", "Older people"),
            "reached": _tags("Carers", "Older people"),
            "outputs": "Always Event statement and PDSA log",
        },
    )


def load_area(context):
    organisations, users = context["organisations"], context["users"]
    _icb(organisations["QWE"], users.get("icb.lead@example.nhs.uk"))
    _trust(organisations["RJ7"], users.get("trust.lead@example.nhs.uk"))
    _finish_screenings()
