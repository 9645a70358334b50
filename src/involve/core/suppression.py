"""Small-number suppression: counts below a threshold are shown as "*", and so is any other count
from which a suppressed one could be worked out by subtraction from a total that is shown.

No domain knowledge: the callers (consultation analysis, equality reports, the dashboard) pass plain
counts and a threshold. A suppressed count is None; templates draw it as SUPPRESSED, and a suppressed
count has no percentage.

Rules:
- primary: any count under the threshold (zero included) is suppressed, totals too;
- secondary: wherever counts add up to a total that is shown (a row of a table and its row total, a
  column and its column total, a distribution and its base n), exactly one suppressed member would be
  worked out by subtraction, and suppressed members adding up to less than the threshold would give a
  small number away, so the next smallest member is suppressed as well, until neither is so.
  Where a total is not the sum of its parts (ticks of a "choose several" question exceed the number
  of people) pass `additive=False`: only primary suppression applies.
"""

import dataclasses

SUPPRESSED = "*"
DEFAULT_THRESHOLD = 5


def suppress(count, threshold=DEFAULT_THRESHOLD):
    """The count, or None (shown "*") when it is under the threshold."""
    if count is None or count < threshold:
        return None
    return count


def percent(count, base, places=0):
    """count as a percentage of base, rounded; None when either is suppressed or the base is 0."""
    if count is None or not base:
        return None
    value = 100 * count / base
    return round(value, places) if places else round(value)


def display(count):
    """The count for a page: "*" when suppressed."""
    return SUPPRESSED if count is None else count


def _secondary(values, hidden, groups, threshold):
    """Mark more of `values` hidden until no group (members that add up to a total) gives a small
    number away: a group whose total is shown must not have exactly one hidden member, nor hidden
    members that add up to less than the threshold (other than all zeros). The next smallest visible
    member is hidden each time; the total of a group only when it has no other visible member."""
    changed = True
    while changed:
        changed = False
        for members, total in groups:
            hidden_members = [i for i in members if hidden[i]]
            total_hidden = hidden[total]
            hidden_sum = sum(values[i] for i in hidden_members)
            exposed = len(hidden_members) + total_hidden == 1 or (not total_hidden and 0 < hidden_sum < threshold)
            if not exposed:
                continue
            visible = [i for i in members if not hidden[i]]
            if visible:
                smallest = min(visible, key=lambda i: (values[i], i))
            elif not total_hidden:
                smallest = total
            else:
                continue
            hidden[smallest] = True
            changed = True
    return hidden


def suppress_counts(counts, threshold=DEFAULT_THRESHOLD, *, total=None, additive=True):
    """A distribution (a list of counts) and its total (the base n; the sum when not given).

    Returns (counts with None for suppressed ones, total or None)."""
    counts = list(counts)
    total = sum(counts) if total is None else total
    values = [*counts, total]
    hidden = [v < threshold for v in values]
    if additive:
        hidden = _secondary(values, hidden, [(list(range(len(counts))), len(counts))], threshold)
    shown = [None if h else v for v, h in zip(values, hidden, strict=True)]
    return shown[:-1], shown[-1]


@dataclasses.dataclass(frozen=True)
class Table:
    """A suppressed cross-tabulation: cells[r][c], the row and column totals and the grand total;
    None wherever a count is suppressed."""

    cells: list
    row_totals: list
    column_totals: list
    total: int | None

    def row_percent(self, r, c):
        """A cell as a share of its row total (None when either is suppressed)."""
        return percent(self.cells[r][c], self.row_totals[r])

    def column_percent(self, r, c):
        return percent(self.cells[r][c], self.column_totals[c])


def suppress_table(cells, threshold=DEFAULT_THRESHOLD, *, row_totals=None, column_totals=None, total=None):
    """Suppress a table of counts with its margins (sums of the cells unless given: give them when a
    person may fall in several cells, and the margins count people).

    A margin that is given is not the sum of its cells, so it makes no secondary sum; margins that are
    worked out here do."""
    rows = [list(r) for r in cells]
    n_rows, n_cols = len(rows), len(rows[0]) if rows else 0
    additive_rows = row_totals is None
    additive_cols = column_totals is None
    row_totals = [sum(r) for r in rows] if row_totals is None else list(row_totals)
    column_totals = [sum(r[c] for r in rows) for c in range(n_cols)] if column_totals is None else list(column_totals)
    total = sum(row_totals) if total is None else total
    # One flat list: cells row by row, then the row totals, the column totals and the grand total.
    values = [v for r in rows for v in r] + row_totals + column_totals + [total]

    def cell(r, c):
        return r * n_cols + c

    row_total = [n_rows * n_cols + r for r in range(n_rows)]
    column_total = [n_rows * n_cols + n_rows + c for c in range(n_cols)]
    grand = len(values) - 1
    groups = []
    if additive_rows:
        groups += [([cell(r, c) for c in range(n_cols)], row_total[r]) for r in range(n_rows)]
        groups.append((column_total, grand))
    if additive_cols:
        groups += [([cell(r, c) for r in range(n_rows)], column_total[c]) for c in range(n_cols)]
        groups.append((row_total, grand))
    hidden = _secondary(values, [v < threshold for v in values], groups, threshold)
    shown = [None if h else v for v, h in zip(values, hidden, strict=True)]
    return Table(
        cells=[[shown[cell(r, c)] for c in range(n_cols)] for r in range(n_rows)],
        row_totals=[shown[i] for i in row_total],
        column_totals=[shown[i] for i in column_total],
        total=shown[grand],
    )
