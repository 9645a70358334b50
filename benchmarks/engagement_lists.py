"""Engagement list pages at national scale, against the 300 ms p95 target (DESIGN.md).

Generates five years of engagement records for NHS England, 7 regions, 42 ICBs and 200 trusts
into an empty database, then requests each list page in-process through Django's test client (the
whole stack: middleware, access rules, queries, Jinja templates) as three people who see very
different amounts: an ICB engagement lead (their ICB only), a region reader (every organisation in
the region) and a national reader (everything). Prints p50/p95/max, the number of queries and the
page size for each page, next to the target.

    scripts/benchmark.sh engagement_lists          # throwaway PostgreSQL, national scale
    scripts/benchmark.sh engagement_lists --scale 0.1 --runs 10   # quicker look

It needs a database (DATABASE_URL); scripts/benchmark.sh starts an empty one and removes it after.
Given a database that already holds the generated records, it measures them again without
generating (useful while working on a slow page).
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time

TARGET_P95_MS = 300

REGIONS = [
    "North East and Yorkshire",
    "North West",
    "Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
]
ICBS_PER_REGION = [4, 3, 11, 6, 5, 6, 7]  # 42 in all, as in England
TRUSTS = 200
YEARS = 5
# Per organisation per year: an ICB records more decisions than a trust.
DECISIONS_PER_YEAR = {"icb": 40, "trust": 20}
ACTIVITIES_PER_DECISION = 3
PROGRAMMES = ["Cancer", "Maternity and neonatal", "Mental health", "Urgent and emergency care", "Primary care"]
PARTNERS = {"icb": 20, "trust": 5}
WORDS = (
    "clinic hub birth centre stroke pathway outpatient community diagnostics dental pharmacy "
    "urgent treatment ward minor injuries mental health crisis cafe screening"
).split()


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the national record count")
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page")
    return parser.parse_args()


def setup_django():
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to an empty database (scripts/benchmark.sh does this).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "involve.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(scale, rng):
    from involve.core import dates
    from involve.engagement.models import Activity, Decision, Evidence, LadderLevel, Method, Programme, VCSEPartner
    from involve.engagement.selectors import involvement_facts
    from involve.organisations.models import Organisation
    from involve.organisations.services import organisation_create

    today = dates.today()
    national = organisation_create(by=None, name="NHS England", kind="national", ods_code="X24")
    regions = [
        organisation_create(by=None, name=f"NHS England {name}", kind="region", parent=national, ods_code=f"Y{60 + i}")
        for i, name in enumerate(REGIONS)
    ]
    icbs = []
    for region, count in zip(regions, ICBS_PER_REGION, strict=True):
        for _ in range(count):
            n = len(icbs) + 1
            icbs.append(
                organisation_create(
                    by=None,
                    name=f"NHS Example {n} Integrated Care Board",
                    kind="icb",
                    parent=region,
                    ods_code=f"Q{n:02d}",
                )
            )
    trusts = [
        organisation_create(
            by=None,
            name=f"Example {n} NHS Foundation Trust",
            kind="trust",
            parent=icbs[n % len(icbs)],
            ods_code=f"R{n:03d}",
        )
        for n in range(TRUSTS)
    ]

    orgs = icbs + trusts
    Programme.objects.bulk_create(Programme(organisation=o, name=p) for o in orgs for p in PROGRAMMES)
    programmes = {}
    for p in Programme.objects.all():
        programmes.setdefault(p.organisation_id, []).append(p)
    VCSEPartner.objects.bulk_create(
        VCSEPartner(organisation=o, name=f"{rng.choice(WORDS).title()} community group {i}")
        for o in orgs
        for i in range(PARTNERS[o.kind])
    )

    decisions = []
    for org in orgs:
        for _ in range(max(1, round(DECISIONS_PER_YEAR[org.kind] * YEARS * scale))):
            planned = today + datetime.timedelta(days=rng.randint(-365 * YEARS + 90, 90))
            decisions.append(
                Decision(
                    organisation=org,
                    programme=rng.choice(programmes[org.pk]),
                    title=f"Change to the {rng.choice(WORDS)} {rng.choice(WORDS)} service",
                    decision_maker="Board",
                    kind=rng.choice(Decision.Kind.values),
                    planned_date=planned,
                    actual_date=planned if planned < today and rng.random() < 0.8 else None,
                    affects_services=rng.choice(Decision.Answer.values),
                    substantial_variation=rng.choice(Decision.Answer.values),
                    duty_status=rng.choice(Decision.DutyStatus.values),
                )
            )
    Decision.objects.bulk_create(decisions, batch_size=2000)

    activities, links = [], []
    for decision in decisions:
        for _ in range(rng.randint(0, 2 * ACTIVITIES_PER_DECISION)):
            starts = decision.planned_date - datetime.timedelta(days=rng.randint(-10, 200))
            activities.append(
                Activity(
                    organisation_id=decision.organisation_id,
                    programme_id=decision.programme_id,
                    title=f"{rng.choice(Method.labels)} on the {rng.choice(WORDS)} service",
                    method=rng.choice(Method.values),
                    ladder_level=rng.choice(LadderLevel.values),
                    starts_on=starts,
                    participants=rng.randint(5, 400),
                    feedback_given_on=starts + datetime.timedelta(days=30) if rng.random() < 0.7 else None,
                )
            )
            links.append(decision)
    Activity.objects.bulk_create(activities, batch_size=2000)
    Activity.decisions.through.objects.bulk_create(
        (
            Activity.decisions.through(activity_id=a.pk, decision_id=d.pk)
            for a, d in zip(activities, links, strict=True)
        ),
        batch_size=5000,
    )
    Evidence.objects.bulk_create(
        (
            Evidence(
                organisation_id=a.organisation_id,
                activity=a,
                title="Notes of the session",
                kind="link",
                url="https://example.org/notes",
                dated=a.starts_on,
            )
            for a in activities
        ),
        batch_size=5000,
    )
    # What the services keep on each decision as activities and evidence change. Statistics first, or
    # the planner, seeing empty tables, scans every activity once per decision.
    analyze()
    Decision.objects.update(**involvement_facts())
    counts = {
        "organisations": Organisation.objects.count(),
        "decisions": len(decisions),
        "activities": len(activities),
        "evidence": len(activities),
        "programmes": Programme.objects.count(),
        "partners": VCSEPartner.objects.count(),
    }
    return counts, national, regions, icbs


def existing():
    """The records of an earlier run in the same database, if there are any."""
    from involve.engagement.models import Activity, Decision, Programme, VCSEPartner
    from involve.organisations.models import Organisation

    if not Decision.objects.exists():
        return None
    counts = {
        "organisations": Organisation.objects.count(),
        "decisions": Decision.objects.count(),
        "activities": Activity.objects.count(),
        "programmes": Programme.objects.count(),
        "partners": VCSEPartner.objects.count(),
    }
    regions = [Organisation.objects.get(name=f"NHS England {name}") for name in REGIONS]
    icbs = list(Organisation.objects.filter(kind="icb").order_by("pk"))
    return counts, Organisation.objects.get(kind="national"), regions, icbs


def analyze():
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def people(national, regions, icbs):
    from involve.organisations.models import Membership, Role, User

    def person(email, org, role):
        user = User.objects.filter(email=email).first() or User.objects.create_user(email=email, password=None)
        Membership.objects.get_or_create(user=user, organisation=org, defaults={"role": role})
        return user

    london = regions[REGIONS.index("London")]
    icb = next(i for i in icbs if i.parent_id == london.pk)
    return [
        ("ICB lead", person("lead@example.nhs.uk", icb, Role.ENGAGEMENT_LEAD)),
        ("region", person("region@example.nhs.uk", london, Role.VIEWER)),
        ("national", person("national@example.nhs.uk", national, Role.VIEWER)),
    ]


PAGES = [
    ("decisions", "/engagement/decisions/"),
    ("decisions, newest first", "/engagement/decisions/?sort=-date"),
    ("decisions with a warning", "/engagement/decisions/?warning=any"),
    ("decisions, search", "/engagement/decisions/?q=birth+centre"),
    ("decisions, page 20", "/engagement/decisions/?page=20"),
    ("activities", "/engagement/activities/"),
    ("activities, no feedback", "/engagement/activities/?feedback=missing&method=survey"),
    ("programmes", "/engagement/programmes/"),
    ("partners", "/engagement/partners/"),
]


def measure(client, url, runs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm caches and connections
        client.get(url)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, times[-1], len(queries), len(response.content)


def main():
    args = parse_args()
    setup_django()
    from django.db import connection
    from django.test import Client

    rng = random.Random(2026)  # noqa: S311 (made-up records, the same on every run)
    start = time.perf_counter()
    counts, national, regions, icbs = existing() or generate(args.scale, rng)
    analyze()
    print(
        f"Ready in {time.perf_counter() - start:.0f} s on {connection.vendor}: "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items())
    )
    print(f"{'page':<28}{'who':<10}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'queries':>9}{'KB':>6}  target p95")
    worst = 0.0
    for who, user in people(national, regions, icbs):
        client = Client()
        client.force_login(user)
        for name, url in PAGES:
            p50, p95, top, queries, size = measure(client, url, args.runs)
            worst = max(worst, p95)
            verdict = "ok" if p95 < TARGET_P95_MS else "MISSED"
            print(
                f"{name:<28}{who:<10}{p50:8.0f}{p95:8.0f}{top:8.0f}{queries:9d}{size / 1024:6.0f}  "
                f"{TARGET_P95_MS} ms {verdict}",
                flush=True,
            )
    print(f"Worst p95: {worst:.0f} ms against the {TARGET_P95_MS} ms target")


if __name__ == "__main__":
    main()
