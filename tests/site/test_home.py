"""The home page: a work list for people who change records, and a table of the organisations below
for people in a region or the country (involve.site.views.home, involve.engagement.worklist)."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from involve.core import navigation
from involve.engagement import worklist
from involve.engagement.models import Decision, ImprovementObjective
from involve.organisations.access import Access
from involve.organisations.models import Membership, Organisation, Role

from ..engagement.factories import (
    days,
    make_activity,
    make_decision,
    make_evidence,
    make_milestone,
    make_objective,
    make_programme,
)
from ..factories import make_member, make_organisation

SCREENED = Decision.DutyStatus.PLAN_IN_PROGRESS
EMPTY_STATES = [
    "Nothing is waiting for screening.",
    "Every decision due within 60 days, or taken, has involvement evidence.",
    "Every activity that is done has its feedback to participants recorded.",
    "No improvement objective is due in the next 30 days or overdue.",
    "No milestone is due in the next 30 days or overdue.",
]


def access_of(user):
    return Access(user, Membership.objects.select_related("organisation").get(user=user))


def home(client_for, user):
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def section(page, code):
    """The HTML of one work list section."""
    match = re.search(rf'<section [^>]*aria-labelledby="work-{code}">(.*?)</section>', page, flags=re.S)
    assert match, f"no section {code}"
    return match.group(1)


def count_in(page, code):
    return int(re.search(r'class="involve-count">\((\d+)\)', section(page, code)).group(1))


# The work list


@pytest.mark.parametrize("role", [Role.ENGAGEMENT_LEAD, Role.CONTRIBUTOR, Role.ADMINISTRATOR])
def test_an_empty_work_list_says_so_in_words(cast, client_for, role):
    page = home(client_for, getattr(cast, f"a_{role.value}"))
    assert "Your work list" in page
    for text in EMPTY_STATES:
        assert text in page
    for code in ("to_screen", "no_evidence", "no_feedback", "objectives_due", "milestones_due"):
        assert count_in(page, code) == 0


def test_a_viewer_has_no_work_list(cast, client_for):
    make_decision(cast.org_a, title="Unscreened")
    page = home(client_for, cast.a_viewer)
    assert "Your work list" not in page and "Unscreened" not in page


def test_decisions_waiting_for_screening(cast, client_for):
    waiting = make_decision(cast.org_a, title="Waiting one")
    make_decision(cast.org_a, title="Already screened", duty_status=SCREENED)
    page = home(client_for, cast.a_engagement_lead)
    part = section(page, "to_screen")
    assert count_in(page, "to_screen") == 1
    assert reverse("engagement:decision_detail", args=[waiting.pk]) in part
    assert "Already screened" not in part
    assert "Nothing is waiting for screening" not in part
    full = f"{reverse('engagement:decision_list')}?organisation={cast.org_a.pk}&amp;duty_status=not_screened"
    assert full in part


def test_decisions_near_their_date_with_no_evidence(cast, client_for):
    common = {"affects_services": Decision.Answer.YES, "duty_status": SCREENED}
    near = make_decision(cast.org_a, title="Near and bare", planned_date=days(20), **common)
    make_decision(cast.org_a, title="Taken and bare", actual_date=days(-3), **common)
    make_decision(cast.org_a, title="Far away", planned_date=days(90), **common)
    make_evidence(make_decision(cast.org_a, title="Has evidence", planned_date=days(5), **common))
    make_decision(
        cast.org_a,
        title="Duty does not apply",
        planned_date=days(5),
        duty_status=SCREENED,
        affects_services=Decision.Answer.NO,
    )
    page = home(client_for, cast.a_contributor)
    part = section(page, "no_evidence")
    assert count_in(page, "no_evidence") == 2
    assert "Near and bare" in part and "Taken and bare" in part
    assert "Far away" not in part and "Has evidence" not in part and "Duty does not apply" not in part
    assert reverse("engagement:decision_detail", args=[near.pk]) in part
    assert f"?organisation={cast.org_a.pk}&amp;warning=no_evidence" in part


def test_activities_done_without_feedback(cast, client_for):
    over = make_activity(cast.org_a, title="One day, over", starts_on=days(-5))
    make_activity(cast.org_a, title="Several days, over", starts_on=days(-10), ends_on=days(-2))
    make_activity(cast.org_a, title="Feedback given", starts_on=days(-10), feedback_given_on=days(-1))
    make_activity(cast.org_a, title="Still going", starts_on=days(-3), ends_on=days(3))
    make_activity(cast.org_a, title="Later on", starts_on=days(7))
    make_activity(cast.org_a, title="Today", starts_on=days(0))
    page = home(client_for, cast.a_engagement_lead)
    part = section(page, "no_feedback")
    assert count_in(page, "no_feedback") == 2
    assert "One day, over" in part and "Several days, over" in part
    for title in ("Feedback given", "Still going", "Later on", "Today"):
        assert title not in part
    assert reverse("engagement:activity_feedback", args=[over.pk]) in part
    assert f"?organisation={cast.org_a.pk}&amp;feedback=missing" in part


def test_objectives_due_soon_or_overdue(cast, client_for):
    programme = make_programme(cast.org_a)
    make_objective(programme, title="Due soon", target_date=days(10))
    make_objective(programme, title="Overdue", target_date=days(-10), status=ImprovementObjective.Status.AT_RISK)
    make_objective(programme, title="Achieved", target_date=days(5), status=ImprovementObjective.Status.ACHIEVED)
    make_objective(programme, title="Stopped", target_date=days(-5), status=ImprovementObjective.Status.STOPPED)
    make_objective(programme, title="Far off", target_date=days(60))
    make_objective(programme, title="No date")
    page = home(client_for, cast.a_engagement_lead)
    part = section(page, "objectives_due")
    assert count_in(page, "objectives_due") == 2
    assert "Due soon" in part and "Overdue since" in part
    for title in ("Achieved", "Stopped", "Far off", "No date"):
        assert title not in part
    assert reverse("engagement:programme_detail", args=[programme.pk]) in part


def test_milestones_due_soon_or_overdue(cast, client_for):
    objective = make_objective(make_programme(cast.org_a), target_date=days(200))
    make_milestone(objective, title="Soon", due_date=days(29))
    make_milestone(objective, title="Late", due_date=days(-1))
    make_milestone(objective, title="Done already", due_date=days(-1), done_date=days(-2))
    make_milestone(objective, title="Next quarter", due_date=days(90))
    page = home(client_for, cast.a_engagement_lead)
    part = section(page, "milestones_due")
    assert count_in(page, "milestones_due") == 2
    assert "Soon" in part and "Late" in part
    assert "Done already" not in part and "Next quarter" not in part


def test_a_long_section_shows_a_few_and_counts_them_all(cast, client_for):
    for n in range(worklist.ITEMS_PER_SECTION + 4):
        make_decision(cast.org_a, title=f"Decision {n:02}")
    page = home(client_for, cast.a_engagement_lead)
    part = section(page, "to_screen")
    assert count_in(page, "to_screen") == worklist.ITEMS_PER_SECTION + 4
    assert part.count("<li>") == worklist.ITEMS_PER_SECTION
    assert f"Showing {worklist.ITEMS_PER_SECTION} of {worklist.ITEMS_PER_SECTION + 4}." in part


def everything_due(org, tag):
    """One record in every work list section, titled with `tag`."""
    make_decision(org, title=f"{tag} unscreened")
    make_decision(
        org, title=f"{tag} bare", planned_date=days(5), affects_services=Decision.Answer.YES, duty_status=SCREENED
    )
    make_activity(org, title=f"{tag} event", starts_on=days(-5))
    objective = make_objective(
        make_programme(org, name=f"{tag} programme"), title=f"{tag} objective", target_date=days(5)
    )
    make_milestone(objective, title=f"{tag} milestone", due_date=days(5))


def test_another_organisations_work_never_shows(cast, client_for):
    everything_due(cast.org_b, "Beta")
    everything_due(cast.org_a_trust, "Trust")  # below org_a: readable there, but not theirs to change
    page = home(client_for, cast.a_engagement_lead)
    assert "Beta" not in page and "Trust unscreened" not in page and "Trust event" not in page
    for text in EMPTY_STATES:
        assert text in page
    everything_due(cast.org_a, "Alpha")
    page = home(client_for, cast.a_engagement_lead)
    for kind in ("unscreened", "bare", "event", "objective", "milestone"):
        assert f"Alpha {kind}" in page
        assert f"Beta {kind}" not in page and f"Trust {kind}" not in page
    # And the other way round.
    page = home(client_for, cast.b_engagement_lead)
    assert "Alpha" not in page and "Beta unscreened" in page


def test_the_work_list_needs_access_by_name():
    with pytest.raises(TypeError):
        worklist.worklist()
    with pytest.raises(TypeError):
        worklist.organisations_below_summary(None)


def test_titles_are_escaped(cast, client_for):
    payload = "<script>alert(1)</script>"
    make_decision(cast.org_a, title=f"Evil {payload}")
    cast.org_a.name = f"Alpha {payload}"
    cast.org_a.save()
    for user in (cast.a_engagement_lead, cast.region_reader):
        page = home(client_for, user)
        assert payload not in page
        assert html.escape(payload, quote=False) in page or "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# The table of organisations below


def decisions_for_region(cast):
    make_decision(cast.org_a, title="A unscreened")
    make_decision(
        cast.org_a,
        title="A screened, warning",
        duty_status=SCREENED,
        planned_date=days(5),
        affects_services=Decision.Answer.YES,
    )
    make_decision(cast.org_a, title="A feedback", duty_status=Decision.DutyStatus.FEEDBACK_GIVEN)
    make_decision(cast.org_b, title="B screened", duty_status=Decision.DutyStatus.NOT_APPLICABLE)
    make_decision(cast.org_a_trust, title="Trust unscreened")


def test_the_region_table_counts_each_organisation(cast):
    decisions_for_region(cast)
    summary = worklist.organisations_below_summary(access=access_of(cast.region_reader))
    rows = {r["organisation__name"]: r for r in summary}
    assert sorted(rows) == ["Alpha Hospitals NHS Trust", "NHS Alpha ICB", "NHS Beta ICB"]
    alpha, beta, trust = rows["NHS Alpha ICB"], rows["NHS Beta ICB"], rows["Alpha Hospitals NHS Trust"]
    assert (alpha["n_decisions"], alpha["n_screened"], alpha["n_warnings"], alpha["n_feedback"]) == (3, 2, 1, 1)
    assert (beta["n_decisions"], beta["n_screened"], beta["n_warnings"], beta["n_feedback"]) == (1, 1, 0, 0)
    assert (trust["n_decisions"], trust["n_screened"]) == (1, 0)


def test_the_region_page_shows_the_table_with_links(cast, client_for):
    decisions_for_region(cast)
    page = home(client_for, cast.region_reader)
    assert "Your work list" not in page  # a viewer: nothing to change
    assert 'class="involve-table-scroll" tabindex="0" role="region"' in page
    decision_list = reverse("engagement:decision_list")
    assert f'href="{decision_list}?organisation={cast.org_a.pk}"' in page
    assert f'href="{decision_list}?organisation={cast.org_a.pk}&amp;warning=any"' in page
    assert f'href="{decision_list}?organisation={cast.org_b.pk}&amp;duty_status=feedback_given"' not in page
    assert f'href="{decision_list}?organisation={cast.org_a.pk}&amp;duty_status=feedback_given"' in page
    # The decision list answers those links with the same numbers.
    client = client_for(cast.region_reader)
    listed = client.get(f"{decision_list}?organisation={cast.org_a.pk}&warning=any").content.decode()
    assert "A screened, warning" in listed and "A unscreened" not in listed


def test_an_icb_sees_only_its_own_tree_in_the_table(cast, client_for):
    decisions_for_region(cast)
    page = home(client_for, cast.a_engagement_lead)
    assert "Alpha Hospitals NHS Trust" in page
    assert "NHS Beta ICB" not in page
    rows = worklist.organisations_below_summary(access=access_of(cast.a_engagement_lead))
    assert [r["organisation__name"] for r in rows] == ["Alpha Hospitals NHS Trust", "NHS Alpha ICB"]


def test_an_organisation_with_nothing_below_has_no_table(cast, client_for):
    make_decision(cast.org_b, title="B")
    page = home(client_for, cast.b_engagement_lead)
    assert "involve-table-scroll" not in page and "area</h2>" not in page


def test_a_region_with_no_decisions_says_so(cast, client_for):
    page = home(client_for, cast.region_reader)
    assert "has recorded a decision yet" in page


def test_the_region_table_is_one_query(cast, django_assert_num_queries):
    decisions_for_region(cast)
    access = access_of(cast.region_reader)
    access.organisation  # noqa: B018  (loaded with the membership)
    with django_assert_num_queries(1):
        assert len(list(worklist.organisations_below_summary(access=access))) == 3


def test_the_home_page_costs_the_same_whatever_the_number_of_organisations(cast, client_for):
    decisions_for_region(cast)
    national_reader = make_member(cast.national, Role.VIEWER, email="national.reader@example.nhs.uk")
    client = client_for(national_reader)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        return len(captured)

    before = queries()
    for n in range(12):
        org = make_organisation(f"ICB {n:02}", Organisation.Kind.ICB, parent=cast.region)
        make_decision(org, title=f"Decision {n}")
    assert queries() == before
    page = client.get(reverse("home")).content.decode()
    assert "ICB 11" in page


def test_a_long_table_is_paginated(cast, client_for):
    from involve.site.views import ORGANISATIONS_PER_PAGE

    for n in range(ORGANISATIONS_PER_PAGE + 2):
        make_decision(make_organisation(f"ICB {n:03}", Organisation.Kind.ICB, parent=cast.region), title="D")
    client = client_for(cast.region_reader)
    first = client.get(reverse("home")).content.decode()
    assert f"ICB {ORGANISATIONS_PER_PAGE - 1:03}" in first and f"ICB {ORGANISATIONS_PER_PAGE:03}" not in first
    second = client.get(reverse("home"), {"page": 2}).content.decode()
    assert f"ICB {ORGANISATIONS_PER_PAGE:03}" in second


# The header navigation


def test_the_site_collects_each_apps_navigation_in_order():
    assert [e.url_name for e in navigation.entries()] == [
        "home",
        "engagement:decision_list",
        "engagement:activity_list",
        "engagement:programme_list",
        "engagement:partner_list",
        "consultations:consultation_list",
        "insight:overview",
        "equality:report",
        "organisations:list",
        "organisations:members",
        "audit:list",
    ]


def test_the_header_shows_what_the_role_allows(cast, client_for):
    admin = home(client_for, cast.a_administrator)
    viewer = home(client_for, cast.a_viewer)
    assert "Audit log" in admin and "Members" in admin
    assert 'href="/audit/"' not in viewer and 'href="/engagement/decisions/"' in viewer
