"""Rate counting shared by every worker: one atomic statement per count, in the database."""

import pytest
import time_machine

from involve.core import ratelimit
from involve.core.models import RateCounter

pytestmark = pytest.mark.django_db


def test_counts_up_to_the_limit_then_refuses():
    assert [ratelimit.hit("ip:10.0.0.1", 3) for _ in range(5)] == [True, True, True, False, False]
    (row,) = RateCounter.objects.all()
    assert row.count == 5 and "10.0.0.1" not in row.key  # the address is never stored


def test_each_key_counts_apart_and_a_new_window_starts_again():
    with time_machine.travel("2026-12-02 10:00:05", tick=False):
        assert ratelimit.hit("a", 1) and not ratelimit.hit("a", 1)
        assert ratelimit.hit("b", 1)
    with time_machine.travel("2026-12-02 10:01:05", tick=False):
        assert ratelimit.hit("a", 1)


def test_no_limit_counts_nothing():
    assert all(ratelimit.hit("x", 0) for _ in range(3))
    assert not RateCounter.objects.exists()


def test_ended_windows_are_tidied_away(monkeypatch):
    with time_machine.travel("2026-12-02 10:00:05", tick=False):
        ratelimit.hit("old", 5)
    monkeypatch.setattr(ratelimit, "CLEAN_EVERY", 1)
    with time_machine.travel("2026-12-02 10:05:05", tick=False):
        ratelimit.hit("new", 5)
    assert list(RateCounter.objects.values_list("key", flat=True)) == [ratelimit._digest("new")]
