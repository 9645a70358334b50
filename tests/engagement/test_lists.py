"""List pages: search, filters, sorting, pagination, empty states and pinned query counts."""

import re

import pytest
from django.urls import reverse

from .factories import (
    days,
    make_activity,
    make_decision,
    make_evidence,
    make_objective,
    make_partner,
    make_programme,
    make_terms,
)

pytestmark = pytest.mark.django_db

LISTS = ["decision_list", "activity_list", "programme_list", "partner_list"]


def _fill(org, n, prefix="Row"):
    """n rows of every listed record, each with the related records its row shows."""
    for i in range(n):
        programme = make_programme(org, f"{prefix} programme {i}")
        make_objective(programme, f"{prefix} objective {i}")
        decision = make_decision(
            org, f"{prefix} decision {i}", programme=programme, planned_date=days(i), affects_services="yes"
        )
        activity = make_activity(org, f"{prefix} activity {i}", programme=programme, decisions=[decision])
        make_evidence(decision, f"{prefix} evidence {i}")
        partner = make_partner(org, f"{prefix} partner {i}")
        make_terms(partner)
        activity.partners.add(partner)


# Measured on SQLite. Every page: session, user and membership (3); the header's list of the person's
# organisations (1); the last-seen time is saved at most once a minute, so not on these requests. Then the
# page count and the page itself (warnings and counts are annotations in that query), the filter
# form's organisation, programme, audience and partner options, and the prefetched objectives or
# warning counts.
QUERY_COUNTS = {"decision_list": 10, "activity_list": 10, "programme_list": 9, "partner_list": 7}
# Exports: the rows, then 3 for the download's audit event (read the chain head, the event, move the head).
DOWNLOAD_EVENT = 3
EXPORT_QUERY_COUNTS = {
    "decision_export": 6 + DOWNLOAD_EVENT,  # 5, plus the prefetch of the organisations each decision affects
    "activity_export": 8 + DOWNLOAD_EVENT,
    "programme_export": 5 + DOWNLOAD_EVENT,
    "partner_export": 4 + DOWNLOAD_EVENT,
}


@pytest.mark.parametrize("name", LISTS)
def test_list_query_count_is_pinned_for_1_and_30_rows(cast, client_for, django_assert_num_queries, name):
    client = client_for(cast.a_viewer)
    _fill(cast.org_a, 1, "One")
    with django_assert_num_queries(QUERY_COUNTS[name]):
        assert client.get(reverse(f"engagement:{name}")).status_code == 200
    _fill(cast.org_a, 29, "More")
    with django_assert_num_queries(QUERY_COUNTS[name]):
        response = client.get(reverse(f"engagement:{name}"))
    assert response.status_code == 200
    assert response.content.decode().count("More ") >= 29


@pytest.mark.parametrize("name", list(EXPORT_QUERY_COUNTS))
def test_export_query_count_is_pinned_for_1_and_30_rows(cast, client_for, django_assert_num_queries, name):
    client = client_for(cast.a_viewer)
    _fill(cast.org_a, 1, "One")
    with django_assert_num_queries(EXPORT_QUERY_COUNTS[name]):
        assert client.get(reverse(f"engagement:{name}", args=["csv"])).status_code == 200
    _fill(cast.org_a, 29, "More")
    with django_assert_num_queries(EXPORT_QUERY_COUNTS[name]):
        assert client.get(reverse(f"engagement:{name}", args=["xlsx"])).status_code == 200


@pytest.mark.parametrize("name", LISTS)
def test_empty_lists_say_so(cast, client_for, name):
    html = client_for(cast.a_viewer).get(reverse(f"engagement:{name}")).content.decode()
    assert "yet." in html
    assert "Download these" not in html


@pytest.mark.parametrize("name", LISTS)
def test_a_filter_that_matches_nothing_offers_to_clear_it(cast, client_for, name):
    html = client_for(cast.a_viewer).get(reverse(f"engagement:{name}"), {"q": "zzz-nothing"}).content.decode()
    assert "match these filters" in html


def _titles(response, titles):
    html = response.content.decode()
    return [t for t in titles if t in html]


def test_decision_search_and_filters(cast, client_for):
    org = cast.org_a
    maternity, cancer = make_programme(org, "Maternity"), make_programme(org, "Cancer")
    make_decision(
        org,
        "Birth centre",
        programme=maternity,
        duty_status="plan_in_progress",
        planned_date=days(10),
        kind="service_change",
    )
    make_decision(
        org,
        "Screening contract",
        programme=cancer,
        duty_status="not_screened",
        actual_date=days(-100),
        kind="procurement",
        summary="bowel outreach",
    )
    names = ["Birth centre", "Screening contract"]
    client = client_for(cast.a_viewer)
    url = reverse("engagement:decision_list")
    assert _titles(client.get(url, {"q": "bowel"}), names) == ["Screening contract"]
    assert _titles(client.get(url, {"programme": maternity.pk}), names) == ["Birth centre"]
    assert _titles(client.get(url, {"duty_status": "not_screened"}), names) == ["Screening contract"]
    assert _titles(client.get(url, {"kind": "procurement"}), names) == ["Screening contract"]
    date_from = days(-10)
    response = client.get(
        url,
        {
            "date_from-day": date_from.day,
            "date_from-month": date_from.month,
            "date_from-year": date_from.year,
        },
    )
    assert _titles(response, names) == ["Birth centre"]
    assert _titles(client.get(url, {"warning": "no_evidence"}), names) == []


def test_an_invalid_filter_value_is_shown_as_an_error_and_ignored(cast, client_for):
    make_decision(cast.org_a, "Birth centre")
    response = client_for(cast.a_viewer).get(
        reverse("engagement:decision_list"),
        {"programme": "999999", "date_from-day": "31", "date_from-month": "2", "date_from-year": "2025"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Birth centre" in html
    assert "Select programme from the list" in html
    assert "must be a real date" in html


def test_activity_filters(cast, client_for):
    org = cast.org_a
    make_activity(
        org,
        "Survey one",
        method="survey",
        ladder_level="consult",
        starts_on=days(-50),
        feedback_given_on=days(-10),
        feedback_what="x",
    )
    make_activity(org, "Walkaround", method="fifteen_steps", ladder_level="involve", starts_on=days(-5))
    names = ["Survey one", "Walkaround"]
    client = client_for(cast.a_viewer)
    url = reverse("engagement:activity_list")
    assert _titles(client.get(url, {"method": "survey"}), names) == ["Survey one"]
    assert _titles(client.get(url, {"ladder_level": "involve"}), names) == ["Walkaround"]
    assert _titles(client.get(url, {"feedback": "missing"}), names) == ["Walkaround"]
    assert _titles(client.get(url, {"feedback": "given"}), names) == ["Survey one"]
    d = days(-20)
    assert _titles(
        client.get(url, {"date_to-day": d.day, "date_to-month": d.month, "date_to-year": d.year}), names
    ) == ["Survey one"]


def test_partner_and_programme_filters(cast, client_for):
    make_partner(cast.org_a, "Healthwatch Alpha", kind="healthwatch")
    make_partner(cast.org_a, "Carers Network", kind="vcse")
    make_programme(cast.org_a, "Maternity")
    make_programme(cast.org_a_trust, "Outpatients")
    client = client_for(cast.a_viewer)
    response = client.get(reverse("engagement:partner_list"), {"kind": "healthwatch"})
    assert _titles(response, ["Healthwatch Alpha", "Carers Network"]) == ["Healthwatch Alpha"]
    response = client.get(reverse("engagement:programme_list"), {"organisation": cast.org_a_trust.pk})
    assert _titles(response, ["Maternity", "Outpatients"]) == ["Outpatients"]


def test_the_organisation_filter_lists_only_the_readable_subtree(cast, client_for):
    html = client_for(cast.a_viewer).get(reverse("engagement:decision_list")).content.decode()
    assert f'value="{cast.org_a.pk}"' in html and f'value="{cast.org_a_trust.pk}"' in html
    assert cast.org_b.name not in html and cast.region.name not in html


def test_another_organisations_id_in_a_filter_shows_nothing_of_theirs(cast, client_for):
    make_decision(cast.org_b, "Beta secret decision")
    b_programme = make_programme(cast.org_b, "Beta programme")
    client = client_for(cast.a_viewer)
    for params in ({"organisation": cast.org_b.pk}, {"programme": b_programme.pk}):
        html = client.get(reverse("engagement:decision_list"), params).content.decode()
        assert "Beta secret decision" not in html


@pytest.mark.parametrize("sort", ["title", "-title"])
def test_sorting_by_an_allowed_column(cast, client_for, sort):
    for title in ("Title BBB", "Title AAA", "Title CCC"):
        make_decision(cast.org_a, title)
    html = client_for(cast.a_viewer).get(reverse("engagement:decision_list"), {"sort": sort}).content.decode()
    positions = [html.index(t) for t in ("Title AAA", "Title BBB", "Title CCC")]
    assert positions == sorted(positions, reverse=sort.startswith("-"))
    assert 'aria-sort="ascending"' in html if sort == "title" else 'aria-sort="descending"' in html


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize(
    "sort", ["password", "organisation__memberships__user__password", "-pk; DROP TABLE x", "?", ""]
)
def test_an_unknown_sort_falls_back_to_the_default(cast, client_for, name, sort):
    _fill(cast.org_a, 2)
    response = client_for(cast.a_viewer).get(reverse(f"engagement:{name}"), {"sort": sort})
    assert response.status_code == 200


def test_decisions_default_to_latest_date_first_with_undated_last(cast, client_for):
    make_decision(cast.org_a, "Undated")
    make_decision(cast.org_a, "Earlier", planned_date=days(-10))
    make_decision(cast.org_a, "Later", actual_date=days(-1), planned_date=days(-30))
    html = client_for(cast.a_viewer).get(reverse("engagement:decision_list")).content.decode()
    assert html.index("Later") < html.index("Earlier") < html.index("Undated")


def test_pagination_keeps_filters(cast, client_for):
    for i in range(55):
        make_decision(cast.org_a, f"Bulk {i:02d}", kind="operational")
    client = client_for(cast.a_viewer)
    html = client.get(reverse("engagement:decision_list"), {"q": "Bulk"}).content.decode()
    assert "Showing 1 to 50 of 55 decisions" in html
    assert "q=Bulk&amp;page=2" in html
    html = client.get(reverse("engagement:decision_list"), {"q": "Bulk", "page": 2}).content.decode()
    assert "Showing 51 to 55 of 55 decisions" in html


def test_lists_show_warning_tags(cast, client_for):
    programme = make_programme(cast.org_a, "Maternity")
    make_decision(cast.org_a, "Near and unevidenced", programme=programme, affects_services="yes", planned_date=days(5))
    client = client_for(cast.a_viewer)
    assert "No involvement evidence" in client.get(reverse("engagement:decision_list")).content.decode()
    html = client.get(reverse("engagement:programme_list")).content.decode()
    assert "1 decision with warnings" in html
    html = client.get(reverse("engagement:decision_list"), {"warning": "any"}).content.decode()
    assert "Near and unevidenced" in html


def test_statuses_sort_in_the_order_decisions_move_through_them(cast, client_for):
    for title, status in (
        ("Title done", "feedback_given"),
        ("Title new", "not_screened"),
        ("Title planning", "plan_in_progress"),
    ):
        make_decision(cast.org_a, title, duty_status=status)
    html = client_for(cast.a_viewer).get(reverse("engagement:decision_list"), {"sort": "status"}).content.decode()
    positions = [html.index(t) for t in ("Title new", "Title planning", "Title done")]
    assert positions == sorted(positions)


@pytest.mark.parametrize("name", ["decision_list", "activity_list"])
def test_the_programme_filter_offers_one_organisations_programmes(cast, client_for, name):
    # Over a region or the country there are too many programmes for one list: it offers those of the
    # organisation chosen in the filter, else of the person's own.
    own = make_programme(cast.org_a, "Own maternity programme")
    below = make_programme(cast.org_a_trust, "Trust outpatients programme")
    make_decision(cast.org_a_trust, "Trust decision", programme=below)
    make_activity(cast.org_a_trust, "Trust activity", programme=below)
    client = client_for(cast.a_viewer)
    url = reverse(f"engagement:{name}")

    def options(params):
        html = client.get(url, params).content.decode()
        select = html[html.index('name="programme"') :]
        return html, re.findall(r'<option value="(\d+)"\s*(selected)?', select[: select.index("</select>")])

    assert options({})[1] == [(str(own.pk), "")]
    assert "Programmes of the organisation chosen above" in options({})[0]
    assert options({"organisation": cast.org_a_trust.pk})[1] == [(str(below.pk), "")]
    # A link to a programme below still filters by it.
    html, offered = options({"programme": below.pk})
    assert "Trust decision" in html if name == "decision_list" else "Trust activity" in html
    assert (str(below.pk), "selected") in offered


def test_search_and_filters_reach_partners_and_audiences(cast, client_for):
    from involve.engagement.models import AudienceTag

    from .factories import make_activity, make_decision, make_partner

    org = cast.org_a
    decision, other = make_decision(org, "Hubs"), make_decision(org, "Unrelated")
    partner = make_partner(org, "Wandle Valley Carers Network")
    carers = AudienceTag.objects.get(name="Carers")
    activity = make_activity(org, "Carers' evening", decisions=[decision])
    activity.partners.add(partner)
    activity.audiences_reached.add(carers)
    make_activity(org, "Other session", decisions=[other])
    client = client_for(cast.a_viewer)
    for name, shown, hidden in (
        ("engagement:decision_list", "Hubs", "Unrelated"),
        ("engagement:activity_list", "Carers&#39; evening", "Other session"),
    ):
        for query in ({"q": "wandle valley"}, {"partner": partner.pk}, {"audience": carers.pk}):
            html = client.get(reverse(name), query).content.decode()
            assert shown in html and hidden not in html, (name, query)
