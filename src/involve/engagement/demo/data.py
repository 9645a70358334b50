"""The demo records, as plain specs that loader.py writes in the order given.

Dates are days from the day the demo is loaded (-30 is a month ago). Records refer to each other by
name: a programme or partner by its name, a decision by its title, audiences by their national
tag names and legal duties by their codes. Each area lists its programmes (with objectives and
milestones), its VCSE partners (with terms of engagement) and then its decisions, activities and
evidence links, as ("decision" | "activity" | "evidence", spec) pairs.
"""

from decimal import Decimal

from ..models import Decision, VCSEPartner

EXAMPLE_SITE = "https://www.example.nhs.uk/involve-demo"

S14Z45 = ("s14Z45", "Equality Act s149")

ICB = {
    "programmes": [
        {
            "name": "Maternity and neonatal",
            "description": "Safer, more personal maternity care across the "
            "six boroughs, co-produced with the Maternity and Neonatal Voices Partnership.",
            # (title, status, target date, owner, [(milestone, due date, done date or None)])
            "objectives": [
                (
                    "Every woman and birthing person has a personalised care plan",
                    "on_track",
                    180,
                    "Local Maternity and Neonatal System",
                    [("Care plan template co-designed", -60, -55), ("Rolled out in two trusts", 40, None)],
                ),
            ],
        },
        {
            "name": "Mental health",
            "description": "Community mental health transformation.",
            "objectives": [
                (
                    "Talking therapies waits under six weeks",
                    "at_risk",
                    120,
                    "Mental health commissioning team",
                    [("Extra therapists recruited", 20, None)],
                ),
            ],
        },
        {"name": "Urgent and emergency care", "description": "Urgent treatment centres, NHS 111 and same-day care."},
        {"name": "Cancer", "description": "Earlier diagnosis, with a focus on Core20PLUS5 communities."},
    ],
    "partners": [
        # terms: [(version, agreed on, review on, summary)]
        {
            "name": "Healthwatch Wandsworth",
            "kind": VCSEPartner.Kind.HEALTHWATCH,
            "email": "info@healthwatch.example.org",
            "terms": [("2", -300, 65, "Joint work plan and information sharing")],
        },
        {
            "name": "Wandle Valley Carers Network",
            "kind": VCSEPartner.Kind.VCSE,
            "email": "hello@carers.example.org",
            "terms": [("1", -500, -135, "Paid involvement of carers, expenses policy")],
        },
        {"name": "South London Refugee Welcome", "kind": VCSEPartner.Kind.VCSE, "email": "", "terms": []},
    ],
    "records": [
        # Compliant: involvement before the decision, evidence, feedback given.
        (
            "decision",
            {
                "title": "Future of midwife-led care at the Wandle birth centre",
                "kind": Decision.Kind.SERVICE_CHANGE,
                "programme": "Maternity and neonatal",
                "maker": "ICB Board",
                "reference": "ICB/25/041",
                "planned": -45,
                "actual": -30,
                "summary": "Options for keeping midwife-led births local while staffing is short.",
                "screening": {
                    "affects": "yes",
                    "rationale": "Changes where people can give birth, so it affects how services are delivered.",
                    "status": Decision.DutyStatus.FEEDBACK_GIVEN,
                    "duties": (*S14Z45, "s244"),
                    "audiences": (
                        "Ethnic minority communities",
                        "Young people",
                        "People living in the most deprived areas (Core20)",
                    ),
                    "methods": ("workshop", "survey", "public_meeting"),
                    "substantial_variation": "yes",
                    "scrutiny_consulted_on": -70,
                    "eia_reference": "EIA-2025-017",
                    "health_inequalities": "Outcomes for Black women are worse: outreach through local groups.",
                    "plan_starts": -150,
                    "plan_ends": -60,
                    "plan_notes": "Co-design workshops, a survey and two public "
                    "meetings, with outreach through the Maternity and Neonatal Voices Partnership.",
                    "feedback_changes": "A midwife-led unit stays open at weekends; transport support was added.",
                },
            },
        ),
        (
            "activity",
            {
                "title": "Birth centre co-design workshops",
                "method": "workshop",
                "level": "collaborate",
                "starts": -150,
                "ends": -120,
                "programme": "Maternity and neonatal",
                "location": "Tooting community hall",
                "participants": 46,
                "public_partners": 4,
                "roles": "Two parents co-chaired; two helped analyse feedback",
                "cost": Decimal("1850.00"),
                "decisions": ["Future of midwife-led care at the Wandle birth centre"],
                "partners": ["Healthwatch Wandsworth"],
                "targeted": ("Ethnic minority communities", "Young people"),
                "reached": ("Young people",),
                "outputs": "Workshop report with three options",
                # (what, given on, how)
                "feedback": (
                    "What we heard, the option chosen and why, and what happens next.",
                    -25,
                    "Letter and a 'you said, we did' page",
                ),
            },
        ),
        (
            "activity",
            {
                "title": "Maternity services survey",
                "method": "survey",
                "level": "consult",
                "starts": -110,
                "ends": -80,
                "programme": "Maternity and neonatal",
                "online": True,
                "participants": 612,
                "responses": 612,
                "decisions": ["Future of midwife-led care at the Wandle birth centre"],
                "targeted": ("People living in the most deprived areas (Core20)",),
                "feedback": (
                    "Survey findings summary sent to everyone who left an email address.",
                    -24,
                    "Email and newsletter",
                ),
            },
        ),
        (
            "evidence",
            {
                "decision": "Future of midwife-led care at the Wandle birth centre",
                "title": "Consultation report: midwife-led care",
                "dated": -50,
                "path": "birth-centre-consultation-report",
            },
        ),
        (
            "evidence",
            {
                "decision": "Future of midwife-led care at the Wandle birth centre",
                "title": "Scrutiny committee minutes",
                "dated": -70,
                "path": "scrutiny-minutes",
            },
        ),
        # Warnings (a) and (d): the duty applies, the decision is near and nothing is linked yet; moving the
        # hubs is a substantial variation and the scrutiny committee has not been consulted.
        (
            "decision",
            {
                "title": "Locations of the new community mental health hubs",
                "kind": Decision.Kind.SERVICE_CHANGE,
                "programme": "Mental health",
                "maker": "Mental health programme board",
                "planned": 40,
                "screening": {
                    "affects": "yes",
                    "rationale": "Moves where people go for community mental health care.",
                    "status": Decision.DutyStatus.PLAN_IN_PROGRESS,
                    "duties": S14Z45,
                    "audiences": ("People experiencing homelessness", "People who use drugs"),
                    "methods": ("outreach", "focus_group"),
                    "substantial_variation": "yes",
                },
            },
        ),
        # Warning (b): a linked activity and evidence dated after the decision.
        (
            "decision",
            {
                "title": "Opening hours of Queen Mary's urgent treatment centre",
                "kind": Decision.Kind.SERVICE_CHANGE,
                "programme": "Urgent and emergency care",
                "maker": "Primary care commissioning committee",
                "actual": -60,
                "screening": {
                    "affects": "yes",
                    "rationale": "Shorter overnight opening changes access.",
                    "status": Decision.DutyStatus.INVOLVEMENT_COMPLETE,
                    "duties": S14Z45,
                    "methods": ("survey",),
                },
            },
        ),
        (
            "activity",
            {
                "title": "Urgent care drop-in sessions",
                "method": "outreach",
                "level": "inform",
                "starts": -40,
                "programme": "Urgent and emergency care",
                "location": "Roehampton library",
                "participants": 85,
                "decisions": ["Opening hours of Queen Mary's urgent treatment centre"],
                "partners": ["Healthwatch Wandsworth"],
                "feedback": ("Summary of questions asked and answers.", -20, "Leaflet"),
            },
        ),
        (
            "evidence",
            {
                "decision": "Opening hours of Queen Mary's urgent treatment centre",
                "title": "Patient survey on overnight use",
                "dated": -55,
                "path": "utc-survey",
            },
        ),
        # Warning (c): decision taken, a linked activity has no feedback to participants.
        (
            "decision",
            {
                "title": "Bowel screening outreach service contract",
                "kind": Decision.Kind.PROCUREMENT,
                "programme": "Cancer",
                "maker": "ICB Board",
                "actual": -10,
                "screening": {
                    "affects": "yes",
                    "rationale": "A new provider changes how outreach is delivered.",
                    "status": Decision.DutyStatus.INVOLVEMENT_COMPLETE,
                    "duties": S14Z45,
                    "audiences": ("Gypsy, Roma and Traveller communities", "Ethnic minority communities"),
                    "methods": ("interviews", "outreach"),
                },
            },
        ),
        (
            "activity",
            {
                "title": "Interviews with people who did not return a screening kit",
                "method": "interviews",
                "level": "consult",
                "starts": -90,
                "ends": -60,
                "programme": "Cancer",
                "participants": 24,
                "decisions": ["Bowel screening outreach service contract"],
                "partners": ["South London Refugee Welcome"],
                "targeted": ("Gypsy, Roma and Traveller communities", "Asylum seekers and refugees"),
                "reached": ("Asylum seekers and refugees",),
                "cost": Decimal("960.00"),
            },
        ),
        # Planned, duty applies, involvement under way (no warnings).
        (
            "decision",
            {
                "title": "Joint forward plan refresh",
                "kind": Decision.Kind.STRATEGIC_PLAN,
                "maker": "ICB Board",
                "planned": 120,
                "screening": {
                    "affects": "yes",
                    "rationale": "The joint forward plan sets the range of services for five years.",
                    "status": Decision.DutyStatus.PLAN_IN_PROGRESS,
                    "duties": S14Z45,
                    "audiences": ("Carers", "Older people", "Disabled people"),
                    "methods": ("panel", "online_discussion"),
                },
            },
        ),
        (
            "activity",
            {
                "title": "Citizens' panel on the forward plan",
                "method": "panel",
                "level": "involve",
                "starts": -14,
                "ends": 30,
                "participants": 32,
                "public_partners": 2,
                "roles": "Panel members on the steering group",
                "decisions": ["Joint forward plan refresh"],
                "partners": ["Wandle Valley Carers Network"],
                "targeted": ("Carers", "Older people"),
                "reached": ("Carers",),
            },
        ),
        (
            "decision",
            {
                "title": "Replacement of the pathology IT system",
                "kind": Decision.Kind.OPERATIONAL,
                "maker": "Digital board",
                "planned": 20,
                "screening": {
                    "affects": "no",
                    "rationale": "Back-office change; no effect on how or which services people receive.",
                    "status": Decision.DutyStatus.NOT_APPLICABLE,
                    "substantial_variation": "no",
                },
            },
        ),
        (
            "decision",
            {
                "title": "Extended access hubs in primary care",
                "kind": Decision.Kind.SERVICE_CHANGE,
                "planned": 90,
                "maker": "Primary care commissioning committee",
            },
        ),
    ],
}

TRUST = {
    "programmes": [
        {
            "name": "Outpatients transformation",
            "description": "Fewer wasted journeys, more care closer to home.",
            "objectives": [
                (
                    "Half of follow-ups offered remotely or patient-initiated",
                    "on_track",
                    200,
                    "Outpatients team",
                    [("Patient-initiated follow-up in three specialties", -20, -25)],
                ),
            ],
        },
        {
            "name": "Patient experience on wards",
            "description": "15 Steps visits and Always Events on our wards.",
        },
    ],
    "records": [
        (
            "decision",
            {
                "title": "Move outpatient blood tests to community sites",
                "kind": Decision.Kind.SERVICE_CHANGE,
                "programme": "Outpatients transformation",
                "maker": "Trust board",
                "actual": -20,
                "screening": {
                    "affects": "yes",
                    "rationale": "Changes where people have blood tests.",
                    "status": Decision.DutyStatus.FEEDBACK_GIVEN,
                    "duties": ("s242", "Equality Act s149"),
                    "audiences": ("Older people", "People with a learning disability and autistic people"),
                    "methods": ("focus_group", "fifteen_steps"),
                    "substantial_variation": "no",
                    "feedback_changes": "Early-morning slots kept at the hospital site.",
                },
            },
        ),
        (
            "activity",
            {
                "title": "Focus groups on community phlebotomy",
                "method": "focus_group",
                "level": "consult",
                "starts": -80,
                "programme": "Outpatients transformation",
                "location": "Balham health centre",
                "participants": 18,
                "decisions": ["Move outpatient blood tests to community sites"],
                "reached": ("Older people",),
                "feedback": ("What we heard and the sites chosen.", -15, "Letter to participants"),
            },
        ),
        (
            "evidence",
            {
                "decision": "Move outpatient blood tests to community sites",
                "title": "Focus group notes",
                "dated": -80,
                "path": "phlebotomy-focus-groups",
            },
        ),
        (
            "activity",
            {
                "title": "15 Steps visit to Caesar Hawkins ward",
                "method": "fifteen_steps",
                "level": "involve",
                "starts": -35,
                "programme": "Patient experience on wards",
                "participants": 4,
                "public_partners": 2,
                "roles": "Patient and carer walkaround members",
                "decisions": ["Move outpatient blood tests to community sites"],
                "feedback": ("Action plan shared with the visit team.", -10, "Meeting"),
            },
        ),
        (
            "activity",
            {
                "title": "Always Event: going home from hospital",
                "method": "always_event",
                "level": "co_produce",
                "starts": -120,
                "ends": -20,
                "programme": "Patient experience on wards",
                "participants": 14,
                "public_partners": 5,
                "roles": "Co-design team members",
                "targeted": ("Carers", "Older people"),
                "reached": ("Carers", "Older people"),
                "outputs": "Always Event statement and PDSA log",
            },
        ),
    ],
}

# (ODS code, the email of the person the records are written by, the area's records)
AREAS = [
    ("QWE", "icb.lead@example.nhs.uk", ICB),
    ("RJ7", "trust.lead@example.nhs.uk", TRUST),
]
