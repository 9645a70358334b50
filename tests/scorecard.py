"""The security scorecard (../shared/reference/security.md §9): figures measured by tests in this run.

A test that measures a risk asks for the `scorecard` fixture (this module) and adds what it tried
and what went wrong to its row:

    def test_x(scorecard):
        ...
        scorecard.add(scorecard.CROSS_ORG_2XX, found=len(answered), checked=tried)

At the end of the run pytest prints the table. With INVOLVE_SCORECARD_FILE set (scripts/test.sh
sets it for each database) the figures are also written there as JSON, and
scripts/scorecard.py prints the two databases side by side and fails when a row was not
measured or is off its target. Nothing here is typed in: a row no test added to reads
"not measured".
"""

import json
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    target: str = "0"  # every found figure must be 0; "config" rows report a setting instead


ANON_2XX = Row("anonymous_2xx", "anonymous 2xx outside the allowlist")
CROSS_ORG_2XX = Row("cross_org_2xx", "cross-organisation requests answered 2xx")
UNESCAPED = Row("unescaped", "unescaped payloads in pages")
FORMULA_CELLS = Row("formula_cells", "formula cells in exports")
LOST_UPDATES = Row("lost_updates", "lost updates")
FUZZ_500 = Row("fuzz_500", "500s under fuzzing")
HOSTILE_UPLOADS = Row("hostile_uploads", "hostile uploads accepted")
AUDIT_VERIFY = Row("audit_verify", "audit verify failures")
RESTORE_MISMATCH = Row("restore_mismatch", "restore mismatches (tables and files)")
DEPLOY_CHECK = Row("deploy_check", "check --deploy issues")
UNCLASSIFIED = Row("unclassified_fields", "unclassified personal-data fields")
LOCKOUT = Row("lockout", "sign-in lockout (failures / minutes)", target="config")

ROWS = [
    ANON_2XX,
    CROSS_ORG_2XX,
    UNESCAPED,
    FORMULA_CELLS,
    LOST_UPDATES,
    FUZZ_500,
    HOSTILE_UPLOADS,
    AUDIT_VERIFY,
    RESTORE_MISMATCH,
    DEPLOY_CHECK,
    UNCLASSIFIED,
    LOCKOUT,
]

# {key: {"found": int, "checked": int, "value": str | None}}
FIGURES: dict[str, dict] = {}


def add(row: Row, *, found: int, checked: int):
    figure = FIGURES.setdefault(row.key, {"found": 0, "checked": 0, "value": None})
    figure["found"] += found
    figure["checked"] += checked


def setting(row: Row, value: str):
    FIGURES.setdefault(row.key, {"found": 0, "checked": 0, "value": None})["value"] = value


def cell(row: Row, figures: dict) -> str:
    figure = figures.get(row.key)
    if figure is None:
        return "not measured"
    if row.target == "config":
        return figure["value"] or "not measured"
    return f"{figure['found']} of {figure['checked']:,}"


def on_target(row: Row, figures: dict) -> bool:
    figure = figures.get(row.key)
    if figure is None:
        return False
    if row.target == "config":
        return bool(figure["value"])
    return figure["found"] == 0 and figure["checked"] > 0


def table(columns: dict[str, dict], rows=ROWS) -> list[str]:
    """Lines of the table: one row per risk, one column per run ({name: figures})."""
    width = max(len(r.label) for r in rows)
    names = list(columns)
    cells = {name: [cell(r, columns[name]) for r in rows] for name in names}
    widths = {name: max(len(name), *(len(c) for c in cells[name])) for name in names}
    head = f"  {'risk':<{width}}  " + "  ".join(f"{n:<{widths[n]}}" for n in names) + "  target"
    lines = [head]
    for i, row in enumerate(rows):
        marks = "  ".join(f"{cells[n][i]:<{widths[n]}}" for n in names)
        ok = all(on_target(row, columns[n]) for n in names)
        target = "setting" if row.target == "config" else row.target
        lines.append(f"  {row.label:<{width}}  {marks}  {target}{'' if ok else '   <- OFF TARGET'}")
    return lines


def pytest_terminal_summary(terminalreporter):
    if not FIGURES:
        return
    # A run of a few test files measures a few rows; scripts/scorecard.py shows all of them for make test.
    measured = [row for row in ROWS if row.key in FIGURES]
    terminalreporter.write_line(f"security scorecard, {len(measured)} of {len(ROWS)} rows measured (found of checked):")
    for line in table({"this run": FIGURES}, measured):
        terminalreporter.write_line(line)
    path = os.environ.get("INVOLVE_SCORECARD_FILE")
    if path:
        with open(path, "w") as f:
            json.dump(FIGURES, f, indent=1)
