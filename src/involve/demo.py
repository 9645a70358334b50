"""Demo data: NHS England, its seven regions, some ICBs and trusts, people in every role, and a merger.

`load()` can run any number of times: everything is looked up by ODS code or email first, so a
second run adds nothing. Each area of Involve adds its own demo records through `load_area()`
hooks listed in AREA_LOADERS.
"""

import datetime
import importlib

from django.db import transaction

from involve.organisations import services as org_services
from involve.organisations.models import Membership, Organisation, Role, Succession, User

DEMO_PASSWORD = "involve-demo-2026"

# (ODS code, name, kind, parent ODS code, valid_from, valid_to)
ORGANISATIONS = [
    ("X24", "NHS England", "national", None, datetime.date(2013, 4, 1), None),
    ("Y56", "London", "region", "X24", None, None),
    ("Y58", "South West", "region", "X24", None, None),
    ("Y59", "South East", "region", "X24", None, None),
    ("Y60", "Midlands", "region", "X24", None, None),
    ("Y61", "East of England", "region", "X24", None, None),
    ("Y62", "North West", "region", "X24", None, None),
    ("Y63", "North East and Yorkshire", "region", "X24", None, None),
    ("QWE", "NHS South West London Integrated Care Board", "icb", "Y56", datetime.date(2022, 7, 1), None),
    ("QMJ", "NHS North Central London Integrated Care Board", "icb", "Y56", datetime.date(2022, 7, 1), None),
    (
        "QT6",
        "NHS Cornwall and the Isles of Scilly Integrated Care Board",
        "icb",
        "Y58",
        datetime.date(2022, 7, 1),
        None,
    ),
    ("QOP", "NHS Greater Manchester Integrated Care Board", "icb", "Y62", datetime.date(2022, 7, 1), None),
    ("QWO", "NHS West Yorkshire Integrated Care Board", "icb", "Y63", datetime.date(2022, 7, 1), None),
    ("RJ7", "St George's University Hospitals NHS Foundation Trust", "trust", "QWE", None, None),
    ("RVR", "Epsom and St Helier University Hospitals NHS Trust", "trust", "QWE", None, None),
    ("RAL", "Royal Free London NHS Foundation Trust", "trust", "QMJ", None, None),
    ("REF", "Royal Cornwall Hospitals NHS Trust", "trust", "QT6", None, None),
    ("RW3", "Manchester University NHS Foundation Trust", "trust", "QOP", None, None),
    ("RR8", "Leeds Teaching Hospitals NHS Trust", "trust", "QWO", None, None),
    # Clinical commissioning groups, closed when ICBs took over on 1 July 2022.
    ("36L", "NHS South West London CCG", "ccg", "Y56", datetime.date(2020, 4, 1), datetime.date(2022, 6, 30)),
    ("93C", "NHS North Central London CCG", "ccg", "Y56", datetime.date(2020, 4, 1), datetime.date(2022, 6, 30)),
    ("11N", "NHS Kernow CCG", "ccg", "Y58", datetime.date(2013, 4, 1), datetime.date(2022, 6, 30)),
    ("DEMO-HW1", "Healthwatch Wandsworth", "healthwatch", "QWE", None, None),
]

# predecessor ODS → successor ODS, effective date
SUCCESSIONS = [
    ("36L", "QWE", datetime.date(2022, 7, 1)),
    ("93C", "QMJ", datetime.date(2022, 7, 1)),
    ("11N", "QT6", datetime.date(2022, 7, 1)),
]

# email, first name, last name, [(ODS code, role, equality data)]
PEOPLE = [
    ("national.admin@example.nhs.uk", "Nadia", "Okafor", [("X24", Role.ADMINISTRATOR, False)]),
    ("london.reader@example.nhs.uk", "Liam", "Chen", [("Y56", Role.VIEWER, False)]),
    ("icb.admin@example.nhs.uk", "Aisha", "Rahman", [("QWE", Role.ADMINISTRATOR, False)]),
    ("icb.lead@example.nhs.uk", "Ellen", "Morris", [("QWE", Role.ENGAGEMENT_LEAD, True), ("RJ7", Role.VIEWER, False)]),
    ("icb.contributor@example.nhs.uk", "Callum", "Reid", [("QWE", Role.CONTRIBUTOR, False)]),
    ("icb.viewer@example.nhs.uk", "Vera", "Novak", [("QWE", Role.VIEWER, False)]),
    ("trust.admin@example.nhs.uk", "Tomasz", "Nowak", [("RJ7", Role.ADMINISTRATOR, False)]),
    ("trust.lead@example.nhs.uk", "Grace", "Adeyemi", [("RJ7", Role.ENGAGEMENT_LEAD, False)]),
    ("trust.contributor@example.nhs.uk", "Priya", "Patel", [("RJ7", Role.CONTRIBUTOR, False)]),
    ("trust.viewer@example.nhs.uk", "Owen", "Davies", [("RJ7", Role.VIEWER, False)]),
]

# Later areas add their demo records here: modules with a `load_area(context)` function.
AREA_LOADERS: list[str] = [
    "involve.engagement.demo",
    "involve.consultations.demo",
    "involve.insight.demo",
]


def _organisations(by):
    by_code = {o.ods_code: o for o in Organisation.objects.filter(ods_code__in=[r[0] for r in ORGANISATIONS])}
    for code, name, kind, parent_code, valid_from, valid_to in ORGANISATIONS:
        if code not in by_code:
            by_code[code] = org_services.organisation_create(
                by=by,
                name=name,
                kind=kind,
                ods_code=code,
                parent=by_code.get(parent_code),
                valid_from=valid_from,
                valid_to=valid_to,
            )
    for pred, succ, date in SUCCESSIONS:
        if not Succession.objects.filter(predecessor=by_code[pred], successor=by_code[succ]).exists():
            org_services.succession_record(
                by=by, predecessor=by_code[pred], successor=by_code[succ], effective_date=date
            )
    return by_code


def _people(organisations):
    accounts = []
    for email, first, last, memberships in PEOPLE:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD, first_name=first, last_name=last)
        for code, role, equality in memberships:
            Membership.objects.get_or_create(
                user=user,
                organisation=organisations[code],
                defaults={"role": role, "equality_data_access": equality},
            )
        described = "; ".join(
            f"{Role(role).label.lower()}, {organisations[code].name}" for code, role, _ in memberships
        )
        accounts.append((email, described))
    return accounts


@transaction.atomic
def load():
    organisations = _organisations(by=None)
    accounts = _people(organisations)
    context = {"organisations": organisations, "users": {u.email: u for u in User.objects.all()}}
    for module in AREA_LOADERS:
        importlib.import_module(module).load_area(context)
    return accounts
