"""The insight pages' figures: counting by comment or by group, another organisation never counted, the
two-period arithmetic, suppression of the equality table, escaping of comment text, a safe export, and
pinned query counts."""

import csv
import datetime
import io
import types

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from involve.audit.models import AuditEvent
from involve.consultations.analysis import equality_dimensions
from involve.equality.models import EqualityRecord
from involve.insight import selectors
from involve.insight.models import Comment, Label
from involve.organisations.access import Access
from involve.organisations.models import Membership

from ..consultations.factories import make_consultation, make_question, make_response
from .pages_factories import LONDON, make_comment, make_framework, make_group, make_theme

pytestmark = pytest.mark.django_db
PAYLOAD = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def _access(user):
    return Access(user, Membership.objects.filter(user=user).select_related("organisation").first())


@pytest.fixture
def themes():
    framework = make_framework()
    return types.SimpleNamespace(
        staff=make_theme(framework, "Staff attitude"), wait=make_theme(framework, "Waiting", "Access")
    )


def test_counting_by_group_counts_a_campaign_once(cast, themes):
    copies = [make_comment(cast.org_a, "Keep it open", themes=[themes.staff], sentiment="negative") for _ in range(4)]
    make_group(cast.org_a, copies)
    make_comment(cast.org_a, "Staff were lovely", themes=[themes.staff], sentiment="positive")
    make_comment(cast.org_a, "Long wait", themes=[themes.wait])
    access = _access(cast.a_viewer)
    by_comment = selectors.theme_counts(access, selectors.Filters())
    by_group = selectors.theme_counts(access, selectors.Filters(count_by="group"))
    counts = lambda result: {r.theme.name: (r.count, r.percent) for r in result.themes}  # noqa: E731
    assert by_comment.base == 6 and counts(by_comment) == {"Staff attitude": (5, 83.3), "Waiting": (1, 16.7)}
    assert by_group.base == 3 and counts(by_group) == {"Staff attitude": (2, 66.7), "Waiting": (1, 33.3)}
    staff = [r for r in by_group.themes if r.theme == themes.staff][0]
    assert staff.sentiment == {"positive": 1, "neutral": 0, "negative": 1}


def test_a_persons_decision_wins_and_another_organisation_is_never_counted(cast, themes):
    rejected = make_comment(cast.org_a, "Rude staff", themes=[themes.staff])
    Label.objects.filter(comment=rejected).update(decision=Label.Decision.REJECTED)
    added = make_comment(cast.org_a, "Rude again")
    Label.objects.create(comment=added, theme=themes.wait, source=Label.Source.PERSON, decision=Label.Decision.ACCEPTED)
    for _ in range(3):
        make_comment(cast.org_b, "Someone else's", themes=[themes.staff])
    result = selectors.theme_counts(_access(cast.a_viewer), selectors.Filters())
    assert result.base == 2 and {r.theme.name: r.count for r in result.themes} == {"Waiting": 1}
    # Asking for org_b by its id from org_a gives nothing.
    assert selectors.theme_counts(_access(cast.a_viewer), selectors.Filters(organisation=cast.org_b.pk)).base == 0
    html = client_get(cast, "a_viewer", reverse("insight:overview"))
    assert "Someone else" not in html


def client_get(cast, person, url):
    from django.test import Client

    client = Client()
    client.force_login(getattr(cast, person))
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_two_periods_compared(cast, themes):
    march = datetime.datetime(2026, 3, 10, 12, tzinfo=LONDON)
    april = datetime.datetime(2026, 4, 10, 12, tzinfo=LONDON)
    for i in range(4):
        make_comment(cast.org_a, f"m{i}", themes=[themes.wait] if i < 1 else [], when=march)
    for i in range(5):
        make_comment(cast.org_a, f"a{i}", themes=[themes.wait] if i < 3 else [], when=april)
    result = selectors.compare(
        _access(cast.a_viewer),
        selectors.Filters(),
        (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)),
        (datetime.date(2026, 4, 1), datetime.date(2026, 4, 30)),
    )
    (row,) = result.rows
    assert (result.first_base, result.second_base) == (4, 5)
    assert (row.first, row.first_percent, row.second, row.second_percent) == (1, 25.0, 3, 60.0)
    assert (row.change, row.change_points) == (2, 35.0)
    url = reverse("insight:compare") + (
        "?first_from-day=1&first_from-month=3&first_from-year=2026&first_to-day=31&first_to-month=3&first_to-year=2026"
        "&second_from-day=1&second_from-month=4&second_from-year=2026&second_to-day=30&second_to-month=4&second_to-year=2026"
    )
    html = client_get(cast, "a_viewer", url)
    assert "+35.0" in html and "+2" in html


def test_trends_by_london_month(cast, themes):
    # 23:30 on 31 March UTC is 00:30 on 1 April in London (summer time).
    make_comment(
        cast.org_a, "x", themes=[themes.wait], when=datetime.datetime(2026, 3, 31, 23, 30, tzinfo=datetime.UTC)
    )
    trend = selectors.trends(_access(cast.a_viewer), selectors.Filters())
    assert trend.months == [datetime.date(2026, 4, 1)] and trend.series[0][1] == [1]


def test_comment_text_is_escaped_on_every_page(cast, themes):
    comments = [make_comment(cast.org_a, PAYLOAD, themes=[themes.staff]) for _ in range(2)]
    group = make_group(cast.org_a, comments)
    from involve.insight.models import Quote

    Quote.objects.create(organisation=cast.org_a, theme=themes.staff, comment=comments[0])
    Quote.objects.create(
        organisation=cast.org_a,
        theme=themes.staff,
        comment=comments[1],
        confirmed_at=datetime.datetime.now(datetime.UTC),
    )
    for url in (
        reverse("insight:theme_detail", args=[themes.staff.pk]),
        reverse("insight:duplicates"),
        reverse("insight:duplicate_detail", args=[group.pk]),
    ):
        html = client_get(cast, "a_contributor", url)
        assert "<script>alert(1)" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;" in html, url


def test_the_equality_table_is_suppressed(cast, themes):
    consultation = make_consultation(cast.org_a)
    question = make_question(consultation, "free_text")
    for i in range(12):
        response = make_response(consultation, {question: f"answer {i}"})
        make_comment(
            cast.org_a,
            f"answer {i}",
            themes=[themes.staff],
            source=Comment.Source.ANSWER,
            answer=response.answers.get(),
            consultation=consultation,
        )
        if i < 8:
            EqualityRecord.objects.create(
                organisation=cast.org_a,
                subject_kind=EqualityRecord.Subject.CONSULTATION_RESPONSE,
                subject_id=response.pk,
                sex="female" if i < 7 else "male",
            )
    dimension = next(d for d in equality_dimensions() if d.equality_field == "sex")
    result = selectors.equality_crosstab(_access(cast.a_viewer), selectors.Filters(), dimension)
    keys = [k for k, _ in dimension.options]
    row = result.table.cells[0]
    assert row[keys.index("female")] == 7  # seven is shown
    assert row[keys.index("male")] is None  # one is hidden
    assert row[keys.index("not_answered")] is None  # four is hidden
    assert result.table.total == 12
    html = client_get(cast, "a_viewer", reverse("insight:equality") + "?characteristic=eq:sex")
    assert "not shown: a small number" in html


def test_export_is_formula_safe_and_audited(cast):
    framework = make_framework(cast.org_a)
    theme = make_theme(framework, '=HYPERLINK("http://x","y")', "+cmd")
    make_comment(cast.org_a, "@SUM(1)", themes=[theme])
    from django.test import Client

    client = Client()
    client.force_login(cast.a_viewer)
    body = client.get(reverse("insight:export", args=["csv"])).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[1][:3] == ["'+cmd", '\'=HYPERLINK("http://x","y")', "1"]
    sheet = load_workbook(io.BytesIO(client.get(reverse("insight:export", args=["xlsx"])).content)).active
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)
    assert AuditEvent.objects.filter(action="insight.export").count() == 2


def test_saving_the_campaign_choice_unchanged_changes_nothing(cast):
    group = make_group(cast.org_a, [make_comment(cast.org_a, "N/A") for _ in range(2)])
    from django.test import Client

    client = Client()
    client.force_login(cast.a_contributor)
    assert client.post(reverse("insight:duplicate_campaign", args=[group.pk]), {"is_campaign": "no"}).status_code == 302
    assert not AuditEvent.objects.filter(action="insight.duplicate_campaign").exists()
    assert client.post(reverse("insight:duplicate_campaign", args=[group.pk]), {}).status_code == 400


@pytest.mark.parametrize("name", ["overview", "trends", "duplicates", "equality"])
def test_query_counts_do_not_grow(cast, themes, name, django_assert_max_num_queries):
    from django.test import Client

    client = Client()
    client.force_login(cast.a_viewer)
    url = reverse(f"insight:{name}") + ("?characteristic=eq:sex" if name == "equality" else "")

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    make_comment(cast.org_a, "one", themes=[themes.staff])
    make_group(cast.org_a, [make_comment(cast.org_a, "first") for _ in range(2)])
    small = count()
    for i in range(20):
        make_comment(cast.org_a, f"more {i}", themes=[themes.staff, themes.wait], sentiment="positive")
    make_group(cast.org_a, [make_comment(cast.org_a, "dup") for _ in range(3)])
    assert count() == small
    assert small <= 30
