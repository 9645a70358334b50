"""The role × URL matrix (tests/matrix.py) covers every URL: each one is declared by some app's
tests/<app>/matrix.py, whose role tests then check it, or is exempt with a reason. The walk finds
every pattern the resolver knows, so a page added later fails here until someone decides which."""

from ..matrix import EXEMPT, ROWS, load_declarations
from ..urlwalk import all_patterns


def test_every_url_is_declared_by_an_app_or_exempt():
    declared, exempt = load_declarations()
    missing = [f"{name or '(unnamed)'} ({route})" for name, route, _ in all_patterns() if name not in declared | exempt]
    assert missing == [], (
        f"URLs in no app's matrix: {missing}; add a Row to the app's tests/<app>/matrix.py "
        "(and make its role test check it) or exempt it there with a reason"
    )


def test_the_matrix_names_only_urls_that_exist():
    declared, exempt = load_declarations()
    names = {name for name, _, _ in all_patterns()}
    assert sorted(declared.keys() - names) == [], "declared but not served"
    assert sorted(exempt.keys() - names) == [], "exempt but not served"


def test_no_url_is_both_declared_and_exempt_or_declared_twice():
    declared, exempt = load_declarations()
    assert sorted(declared.keys() & exempt.keys()) == []
    assert {name: apps for name, apps in declared.items() if len(apps) > 1} == {}
    assert all(reason.strip() for reason in exempt.values())


def test_every_app_declares_its_rows():
    # Guards the tests above: a declaration that failed to load would leave its URLs uncovered.
    load_declarations()
    assert {"organisations", "audit", "engagement", "consultations"} <= ROWS.keys()
    assert all(ROWS[app] for app in ROWS)
    names = {name for name, _, _ in all_patterns()}
    for namespace in ("organisations", "audit", "engagement", "consultations", "have_your_say", "equality"):
        assert any(name and name.startswith(f"{namespace}:") for name in names), namespace
    assert EXEMPT is load_declarations()[1]
