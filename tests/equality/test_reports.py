"""The equality report: aggregate counts with suppression and completeness, IMD deciles, a date range."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from involve.equality.models import EqualityRecord
from involve.equality.reports import report

pytestmark = pytest.mark.django_db


def _make(org, n, **answers):
    start = EqualityRecord.objects.count()
    for i in range(n):
        EqualityRecord.objects.create(
            organisation=org, subject_kind="consultation_response", subject_id=10_000 + start + i, **answers
        )


def _rows(characteristic):
    return {row.label: (row.count, row.percent) for row in characteristic.rows}


def test_counts_suppression_and_completeness(cast):
    _make(cast.org_a, 10, sex="female", imd_decile=1, imd_edition="IMD 2019")
    _make(cast.org_a, 6, sex="male", imd_decile=1, imd_edition="IMD 2019")
    _make(cast.org_a, 3, sex="prefer_not")
    _make(cast.org_a, 2)  # answered none of it
    result = report(EqualityRecord.objects.all())
    assert result["total"] == 21
    sex = next(c for c in result["characteristics"] if c.key == "sex")
    rows = _rows(sex)
    assert rows["Female"] == (10, 48) and rows["Male"] == (6, 29)
    assert rows["Prefer not to say"] == (None, None) and rows["Not answered"] == (None, None)
    # Completeness: 16 of 21 gave an answer other than "Prefer not to say".
    assert (sex.answered, sex.completeness) == (16, 76)
    deprivation = _rows(result["deprivation"])
    assert deprivation["Decile 1 (most deprived)"] == (16, 76)
    assert deprivation["Decile 2"] == (None, None)


def test_hidden_answers_adding_up_to_a_small_number_hide_another(cast):
    _make(cast.org_a, 10, sex="female")
    _make(cast.org_a, 6, sex="male")
    _make(cast.org_a, 2, sex="prefer_not")
    _make(cast.org_a, 2)
    rows = _rows(next(c for c in report(EqualityRecord.objects.all())["characteristics"] if c.key == "sex"))
    # The 2 and 2 hidden would add up to 4 (20 - 16): the 6 men are hidden too.
    assert rows["Female"] == (10, 50) and rows["Male"] == (None, None)


def test_a_small_organisation_shows_no_numbers(cast):
    _make(cast.org_a, 3, sex="female")
    result = report(EqualityRecord.objects.all())
    assert result["total"] is None
    sex = next(c for c in result["characteristics"] if c.key == "sex")
    assert all(row.count is None for row in sex.rows) and sex.completeness is None


def test_the_report_page_takes_a_date_range_and_shows_only_the_organisations_records(cast, client_for):
    _make(cast.org_a, 6, religion="christian")
    _make(cast.org_b, 9, religion="hindu")
    old = EqualityRecord.objects.filter(organisation=cast.org_a).first()
    EqualityRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=400))
    client = client_for(cast.a_viewer)
    html = client.get(reverse("equality:report")).content.decode()
    assert "Hindu" in html  # the label is always there
    assert "6 people answered" in html
    since = timezone.localdate() - datetime.timedelta(days=30)
    html = client.get(
        reverse("equality:report"),
        {"date_from-day": since.day, "date_from-month": since.month, "date_from-year": since.year},
    ).content.decode()
    assert "5 people answered" in html
    bad = client.get(reverse("equality:report"), {"date_from-day": "31", "date_from-month": "2", "date_from-year": "x"})
    assert bad.status_code == 200


def test_the_report_and_records_pages_take_a_fixed_number_of_queries(cast, client_for, with_equality_access):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(with_equality_access)

    def count(name):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(name)).status_code == 200
        return len(captured)

    _make(cast.org_a, 3, sex="female")
    client.get(reverse("equality:report"))
    few = count("equality:report"), count("equality:records")
    _make(cast.org_a, 40, sex="male", religion="none")
    assert (count("equality:report"), count("equality:records")) == few
