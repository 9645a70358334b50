"""No input makes a 500 (security.md §9 "500s under fuzzing"). Every list page and every form is found by
walking the URL resolver (tests/e2e/pages.py, as tests/project/test_forms.py does), so a page added later
is fuzzed too. The walker administers the organisation that owns every record, so each form is open:

- every list page gets its filters, and the other parameters a page may read (QUERY_NAMES), as GET
  parameters; every form gets POST data on top of the form as drawn. A refused form changes nothing;
- first the inputs that made 500s before (KNOWN), then values drawn by Hypothesis from hostile text:
  NUL, superscript and Arabic-Indic digits (isdigit() is true, int() refuses some), 20-digit and
  negative numbers, huge years, 10,000 characters, SQL and format-string metacharacters, whitespace
  only, CR/LF.

Each request runs in a savepoint that is rolled back after a 5xx, so one failure (PostgreSQL aborts the
transaction on a database error) does not hide the next. allauth's own sign-in, password and two-factor
pages are left to tests/organisations/test_auth.py."""

import time
import traceback

from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ..e2e.pages import urls_to_visit
from ..world import build_world
from .test_forms import EXEMPT_PREFIXES, FORMS, as_submitted, database_state, filter_form, main_form

EXAMPLES_PER_LIST = 12
EXAMPLES_PER_FORM = 6

HOSTILE = [
    "\x00",
    "a\x00b",
    "²",
    "³",
    "¹²",
    "٣",
    "١٢٣",
    "۴",
    "𝟗",
    "Ⅻ",
    "99999999999999999999",
    "-99999999999999999999",
    "18446744073709551616",
    "2147483648",
    "-1",
    "0",
    "-0",
    "9999",
    "99999",
    "0000",
    "0001",
    "1e309",
    "NaN",
    "inf",
    "1.5",
    "1,5",
    "0x1f",
    " ",
    "   ",
    "\t",
    "\r\n",
    "\n",
    "a\r\nBcc: x@example.org",
    "x" * 10_000,
    "٣" * 10_000,
    "' OR 1=1 --",
    '"; DROP TABLE engagement_decision; --',
    "%",
    "_",
    "\\",
    "%s%s%s%n",
    "%(name)s",
    "{0}{}{__class__}",
    "{{7*7}}",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    '=HYPERLINK("http://x")',
    "../../etc/passwd",
    "\u202eevil",
    "\ufeff",
    "\u200b",
    "Ω≈ç√∫",
    "2026-02-30",
    "-",
    "--",
    "-title",
    "__all__",
]

# Valid UTF-8 only: a lone surrogate cannot travel in an HTTP request.
any_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
numbers = st.one_of(
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.integers(min_value=0, max_value=99999).map(
        lambda n: str(n).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    ),
    st.integers(min_value=0, max_value=99999).map(
        lambda n: str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
    ),
)
hostile = st.one_of(st.sampled_from(HOSTILE), any_text, numbers)


def value_for(control):
    """Something to send for one control: what the page offers, or something hostile."""
    offered = []
    if control["tag"] == "select":
        offered = [o["value"] or "" for o in control["options"]]
    elif control["type"] in ("checkbox", "radio", "hidden") or control["value"]:
        offered = [control["value"]]
    if offered:
        return st.one_of(st.sampled_from(offered), hostile)
    return hostile


def request_data(controls, extra=()):
    """A strategy for a dict of name → list of values over `controls` (from the page's form) and
    `extra` names, leaving some out and sending some twice."""
    by_name = {}
    for c in controls:
        if c["name"] and c["type"] not in ("submit", "button", "image", "reset", "file"):
            by_name.setdefault(c["name"], []).append(value_for(c))
    for name in extra:
        by_name.setdefault(name, []).append(hostile)
    fields = {name: st.lists(st.one_of(*options), min_size=0, max_size=2) for name, options in sorted(by_name.items())}
    return st.fixed_dictionaries({}, optional=fields).map(lambda d: {k: v for k, v in d.items() if v})


class Fuzzer:
    """Sends requests, each in its own savepoint, and keeps every 5xx."""

    def __init__(self, user):
        self.client = Client(raise_request_exception=False)
        self.client.force_login(user)
        self.requests = 0
        self.errors = []
        self.changed_on_refusal = []

    def report(self):
        """Each distinct failure once, with one request that caused it."""
        seen = {}
        for method, url, status, where, data in self.errors:
            seen.setdefault((method, url, status, where), data)
        return "\n".join(f"{m} {u} {s} {w}\n    {d}" for (m, u, s, w), d in sorted(seen.items(), key=str))

    def send(self, method, url, data, *, check_unchanged=False):
        before = database_state() if check_unchanged else None
        with transaction.atomic():
            response = getattr(self.client, method)(url, data)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        self.requests += 1
        if response.status_code >= 500:
            self.errors.append((method.upper(), url, response.status_code, _where(response), _short(data)))
        elif check_unchanged and not 300 <= response.status_code < 400 and database_state() != before:
            self.changed_on_refusal.append((url, response.status_code, _short(data)))
        return response


def _where(response):
    """The exception behind a 5xx and the last line of ours it passed through."""
    if not getattr(response, "exc_info", None):
        return None
    _, exc, tb = response.exc_info
    frames = traceback.extract_tb(tb)
    ours = [f for f in frames if "/src/involve/" in f.filename] or frames
    return f"{exc!r} at {ours[-1].filename.split('/src/')[-1]}:{ours[-1].lineno} ({ours[-1].line})"


def _short(data):
    return {k: [v if len(v) < 60 else f"{v[:20]!r}… ({len(v)} characters)" for v in vs] for k, vs in data.items()}


# The inputs that made 500s before (issue 8 item 5), sent to every list and every form before the drawn
# ones: each fills every question at once, with the day, month and year of a date given after it.
KNOWN = [
    ("²", ("²", "1", "2026")),
    ("٣", ("٣", "٣", "٢٠٢٦")),
    ("99999999999999999999", ("99999999999999999999", "99999999999999999999", "2026")),
    ("-99999999999999999999", ("1", "-99999999999999999999", "2026")),
    ("a\x00b", ("1", "1", "9999")),
]
# Query parameters a page may read besides its filters (?decision= on "add an activity", and so on).
QUERY_NAMES = ("page", "sort", "q", "decision", "organisation", "programme", "next")


def known_data(controls, value, date, extra=()):
    data = {name: [value] for name in extra}
    for c in controls:
        name = c["name"]
        if not name or c["type"] in ("submit", "button", "image", "reset", "file"):
            continue
        for part, part_value in zip(("-day", "-month", "-year"), date, strict=True):
            if name.endswith(part):
                data[name] = [part_value]
                break
        else:
            data[name] = [value]
    return data


FUZZ = settings(
    max_examples=EXAMPLES_PER_LIST,
    deadline=None,
    database=None,
    phases=[Phase.generate],  # no shrinking: failures are collected and reported, not raised
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _fuzz_list(fuzzer, url, form):
    for value, date in KNOWN:
        fuzzer.send("get", url, known_data(form["controls"], value, date, extra=QUERY_NAMES))

    @FUZZ
    @given(data=request_data(form["controls"], extra=QUERY_NAMES))
    def fuzz(data):
        fuzzer.send("get", url, data)

    fuzz()


def _fuzz_form(fuzzer, url, form):
    drawn = {"base": as_submitted(form)}
    # A page that adds a record may read the address too (?decision=).
    fuzzer.send("get", url, {name: [value for value, _ in KNOWN] for name in QUERY_NAMES})

    def post(changes):
        if drawn["base"] is None:
            return  # an earlier accepted example deleted the record
        response = fuzzer.send("post", url, {**drawn["base"], **changes}, check_unchanged=True)
        if 300 <= response.status_code < 400:
            # Accepted: draw the form again, as the record's revision has moved on.
            page = fuzzer.client.get(url)
            drawn["base"] = as_submitted(main_form(page.content.decode())) if page.status_code == 200 else None

    for value, date in KNOWN:
        post(known_data(form["controls"], value, date))

    @settings(FUZZ, max_examples=EXAMPLES_PER_FORM)
    @given(changes=request_data(form["controls"]))
    def fuzz(changes):
        post(changes)

    fuzz()


def _pages(world):
    """(list pages, form pages): for each, its URL and the form the walker sees on it."""
    urls, problems = urls_to_visit(world, world.walker)
    assert not problems, problems
    client = Client()
    client.force_login(world.walker)
    lists, forms = {}, {}
    for name, url, _ in urls:
        if (name or "").startswith(EXEMPT_PREFIXES):
            continue  # allauth's own sign-in, password and two-factor forms (tests/organisations/test_auth.py)
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        if (found := filter_form(html)) is not None:
            lists[name] = (url, found)
        if (found := main_form(html)) is not None:
            forms[name] = (url, found)
    return lists, forms


def test_no_input_to_any_list_or_form_makes_a_500_and_a_refused_form_changes_nothing(cast, scorecard):
    world = build_world(cast)
    lists, forms = _pages(world)
    assert {"engagement:decision_list", "organisations:list", "audit:list"} <= set(lists), sorted(lists)
    assert set(FORMS) <= set(forms), sorted(set(FORMS) - set(forms))
    fuzzer = Fuzzer(world.walker)
    started = time.monotonic()
    try:
        for _, (url, form) in sorted(lists.items()):
            _fuzz_list(fuzzer, url, form)
        on_lists = fuzzer.requests
        # The organisation's own record and the walker's membership last: a change there changes what
        # the walker may do on every other page.
        for _, (url, form) in sorted(forms.items(), key=lambda item: (item[0].startswith("organisations:"), item[0])):
            _fuzz_form(fuzzer, url, form)
    finally:
        scorecard.add(scorecard.FUZZ_500, found=len(fuzzer.errors), checked=fuzzer.requests)
        print(
            f"\nfuzzing: {fuzzer.requests} requests ({on_lists} to {len(lists)} list pages, the rest to "
            f"{len(forms)} forms) in {time.monotonic() - started:.0f} s, {len(fuzzer.errors)} answered 5xx"
        )
    assert not fuzzer.errors, fuzzer.report()
    assert not fuzzer.changed_on_refusal, fuzzer.changed_on_refusal[:10]
