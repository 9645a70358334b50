"""Small-number suppression (involve.core.suppression): every count under the threshold is hidden,
and so is any count that could be worked out from a total that is shown."""

from hypothesis import given, settings
from hypothesis import strategies as st

from involve.core.suppression import display, percent, suppress, suppress_counts, suppress_table


def test_a_count_under_the_threshold_is_suppressed():
    assert suppress(4, 5) is None and suppress(0, 5) is None
    assert suppress(5, 5) == 5 and suppress(120, 5) == 120
    assert display(None) == "*" and display(7) == 7


def test_a_suppressed_count_has_no_percentage():
    assert percent(None, 20) is None and percent(5, None) is None and percent(5, 0) is None
    assert percent(5, 20) == 25


def test_one_hidden_count_in_a_distribution_hides_the_next_smallest():
    # 3 alone hidden could be worked out as 21 - 10 - 8.
    assert suppress_counts([10, 3, 8], 5) == ([10, None, None], 21)
    assert suppress_counts([10, 3, 2], 5) == ([10, None, None], 15)
    # A lone hidden zero could be worked out too.
    assert suppress_counts([10, 6, 0], 5) == ([10, None, None], 16)
    assert suppress_counts([10, 6, 8], 5) == ([10, 6, 8], 24)


def test_a_small_total_hides_everything():
    counts, total = suppress_counts([2, 2], 5)
    assert counts == [None, None] and total is None


def test_a_distribution_that_is_not_additive_has_only_primary_suppression():
    # "Choose several": the ticks add up to more than the people, so no sum gives a hidden count away.
    assert suppress_counts([10, 3, 8], 5, total=12, additive=False) == ([10, None, 8], 12)


def test_a_table_hides_cells_that_rows_and_columns_would_give_away():
    table = suppress_table([[10, 3], [8, 9]], 5)
    # 3 is hidden; then 10 (its row), 9 (its column), then 8 (9's row).
    assert table.cells == [[None, None], [None, None]]
    assert table.row_totals == [13, 17] and table.column_totals == [18, 12] and table.total == 30


def test_a_table_with_only_large_cells_is_unchanged():
    table = suppress_table([[10, 30], [8, 9]], 5)
    assert table.cells == [[10, 30], [8, 9]]
    assert table.row_percent(0, 1) == 75


def _groups(cells, table):
    rows = len(cells)
    cols = len(cells[0])
    for r in range(rows):
        yield [table.cells[r][c] for c in range(cols)] + [table.row_totals[r]]
    for c in range(cols):
        yield [table.cells[r][c] for r in range(rows)] + [table.column_totals[c]]
    yield [*table.row_totals, table.total]
    yield [*table.column_totals, table.total]


def _true_table(cells):
    import types

    return types.SimpleNamespace(
        cells=cells,
        row_totals=[sum(r) for r in cells],
        column_totals=[sum(r[c] for r in cells) for c in range(len(cells[0]))],
        total=sum(map(sum, cells)),
    )


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda cols: st.lists(st.lists(st.integers(0, 40), min_size=cols, max_size=cols), min_size=1, max_size=5)
    ),
    st.integers(1, 10),
)
def test_no_small_number_is_shown_or_can_be_worked_out(cells, threshold):
    table = suppress_table(cells, threshold)
    shown = [v for row in table.cells for v in row] + table.row_totals + table.column_totals + [table.total]
    assert all(v is None or v >= threshold for v in shown)
    true = [v for row in cells for v in row] + [sum(r) for r in cells]
    for group, values in zip(_groups(cells, table), _groups(cells, _true_table(cells)), strict=True):
        assert sum(v is None for v in group) != 1, (cells, table)
        if group[-1] is not None:
            hidden_sum = sum(v for v, s in zip(values[:-1], group[:-1], strict=True) if s is None)
            assert hidden_sum == 0 or hidden_sum >= threshold, (cells, table)
    assert true
    # What is shown is the true count.
    for r, row in enumerate(cells):
        for c, v in enumerate(row):
            assert table.cells[r][c] in (None, v)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=8), st.integers(1, 10))
def test_no_distribution_gives_a_small_number_away(counts, threshold):
    shown, total = suppress_counts(counts, threshold)
    assert all(v is None or v >= threshold for v in [*shown, total])
    assert sum(v is None for v in [*shown, total]) != 1
    if total is not None:
        hidden_sum = sum(c for c, s in zip(counts, shown, strict=True) if s is None)
        assert hidden_sum == 0 or hidden_sum >= threshold


def test_hidden_counts_that_add_up_to_a_small_number_hide_another():
    # 2 and two zeros hidden: their sum (7 - 5) would say "2 people"; the 5 is hidden too.
    assert suppress_counts([5, 2, 0, 0], 5) == ([None, None, None, None], 7)
