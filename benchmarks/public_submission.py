"""Public consultation responses under load, against the 500 responses a second target (DESIGN.md).

Makes a one-page survey (the Friends and Family Test question, a free-text follow-up, a choose-one,
a choose-several and a rating, with the equality questions when the page asks them) in an empty
PostgreSQL database, starts `involve serve` (gunicorn, its production worker count) on it, and runs
many concurrent clients for --seconds. Each client does what a browser does: it GETs the response
page (taking the CSRF cookie, the CSRF token and the form token from the HTML), then POSTs a
complete response and follows nothing. Clients come from many addresses (X-Forwarded-For through one
trusted proxy, as behind a load balancer), so the per-address limit does not stop them; the
per-consultation limit is raised for the run (it is there to stop a flood, and a flood is what this is).

At the end it compares stored responses with accepted submissions (a 302 to the confirmation page):
none may be lost. It prints the sustained rate, p50/p95/p99 of the POST and of the whole pair, the
statuses, and then where the time goes: one request of each kind profiled in-process (cProfile)
grouped by what the time was spent on.

    scripts/benchmark.sh public_submission                  # 60 s, 64 clients
    scripts/benchmark.sh public_submission --seconds 10     # quicker look

The load generator runs on the same 2 cores as the server (one asyncio process, plain HTTP/1.1 with
keep-alive); its own share of the CPU is printed.
"""

import argparse
import asyncio
import collections
import cProfile
import html.parser
import os
import pstats
import random
import re
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

from engagement_lists import setup_django

TARGET_PER_SECOND = 500
COMMENTS = [
    "The staff were kind and explained everything.",
    "I waited two hours and nobody told me why.",
    "Parking was impossible, I nearly missed my appointment.",
    "Clean ward, good food, felt safe.",
    "The receptionist was rude on the phone.",
    "Quick and easy, thank you.",
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the clients run")
    parser.add_argument("--clients", type=int, default=64, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: involve serve's)")
    parser.add_argument("--port", type=int, default=0, help="port for involve serve (default: a free one)")
    return parser.parse_args()


def make_survey():
    import datetime

    from django.utils import timezone

    from involve.consultations import scales
    from involve.consultations.models import Consultation, Question
    from involve.organisations.services import organisation_create

    org = organisation_create(by=None, name="NHS Benchmark Integrated Care Board", kind="icb", ods_code="QBM")
    consultation = Consultation.objects.create(
        organisation=org,
        title="How was your visit?",
        slug="how-was-your-visit",
        kind=Consultation.Kind.SURVEY,
        state=Consultation.State.PUBLISHED,
        paging=Consultation.Paging.ALL,
        opens_at=timezone.now() - datetime.timedelta(days=1),
        closes_at=timezone.now() + datetime.timedelta(days=30),
    )
    own = [{"key": f"c{i}", "label": label} for i, label in enumerate(["Bus", "Car", "Walk", "Taxi"], 1)]
    for position, (kind, text, options, extra) in enumerate(
        [
            (Question.Kind.FFT, scales.FFT_QUESTION, scales.FFT, {"required": True}),
            (Question.Kind.FREE_TEXT, scales.FFT_FOLLOW_UP, [], {}),
            (Question.Kind.SINGLE_CHOICE, "How did you get here today?", own, {}),
            (Question.Kind.MULTIPLE_CHOICE, "Which of these did you use?", own, {}),
            (Question.Kind.RATING, "How would you rate the waiting area?", [], {"rating_max": 5}),
        ],
        1,
    ):
        Question.objects.create(
            consultation=consultation,
            kind=kind,
            text=text,
            code=f"q{position}",
            position=position,
            options=[dict(o) for o in options],
            **extra,
        )
    return consultation


class FormReader(html.parser.HTMLParser):
    """The response form's controls: radio groups, checkboxes, text boxes, selects and hidden values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.in_form = False
        self.action = None
        self.hidden, self.radios, self.checkboxes, self.texts, self.selects = {}, {}, {}, [], {}
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post" and self.action is None:
            self.in_form, self.action = True, a.get("action") or ""
        if not self.in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind == "hidden":
                self.hidden[name] = a.get("value", "")
            elif kind == "radio":
                self.radios.setdefault(name, []).append(a.get("value", ""))
            elif kind == "checkbox":
                self.checkboxes.setdefault(name, []).append(a.get("value", "on"))
            elif kind in ("text", "email", "tel", "number", ""):
                self.texts.append(name)
        elif tag == "textarea" and name:
            self.texts.append(name)
        elif tag == "select" and name:
            self._select = name
            self.selects[name] = []
        elif tag == "option" and self._select and a.get("value"):
            self.selects[self._select].append(a["value"])

    def handle_endtag(self, tag):
        if tag == "form" and self.in_form:
            self.in_form = False
        elif tag == "select":
            self._select = None


def answer_fields(reader, rng):
    """A complete response as a browser would post it: every radio group answered, two ticks in each
    group of checkboxes, text in the question boxes (never in the honeypot, which is not a question)."""
    fields = []
    for name, values in reader.radios.items():
        fields.append((name, rng.choice([v for v in values if v] or values)))
    for name, values in reader.checkboxes.items():
        for value in values[:2]:
            fields.append((name, value))
    for name in reader.texts:
        if name.startswith("q_"):
            fields.append((name, rng.choice(COMMENTS)))
    for name, values in reader.selects.items():
        if values:
            fields.append((name, values[0]))
    return fields


class Client:
    """One keep-alive HTTP/1.1 connection with a cookie jar."""

    def __init__(self, host, port, address):
        self.host, self.port, self.address = host, port, address
        self.cookies = {}
        self.reader = self.writer = None

    async def _connect(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method, path, body=b"", content_type=None):
        if self.writer is None:
            await self._connect()
        headers = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"X-Forwarded-For: {self.address}",
            "Connection: keep-alive",
            "Accept: text/html",
        ]
        if self.cookies:
            headers.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body:
            headers += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
            headers.append(f"Origin: http://{self.host}:{self.port}")
            headers.append(f"Referer: http://{self.host}:{self.port}{path}")
        self.writer.write(("\r\n".join(headers) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            self.writer = None
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        length, location, close = 0, "", False
        while True:
            line = (await self.reader.readline()).decode("latin-1").rstrip("\r\n")
            if not line:
                break
            key, _, value = line.partition(":")
            key, value = key.lower(), value.strip()
            if key == "content-length":
                length = int(value)
            elif key == "set-cookie":
                cookie = value.split(";", 1)[0]
                k, _, v = cookie.partition("=")
                self.cookies[k] = v
            elif key == "location":
                location = value
            elif key == "connection" and value.lower() == "close":
                close = True
        content = await self.reader.readexactly(length) if length else b""
        if close:
            self.writer.close()
            self.writer = None
        return status, location, content


TOKEN = re.compile(rb'name="(csrfmiddlewaretoken|form_token)" value="([^"]+)"')


async def run_client(n, host, port, path, fields_for, deadline, results, rng):
    client = Client(host, port, "")
    visit = 0
    while time.monotonic() < deadline:
        # Every visit from its own address: many people, each within the per-address limit.
        visit += 1
        client.address = f"10.{n % 250}.{visit // 250 % 250}.{visit % 250 + 1}"
        started = time.perf_counter()
        try:
            status, _, page = await client.request("GET", path)
            if status != 200:
                results["get_status"][status] += 1
                await asyncio.sleep(0.05)
                continue
            tokens = dict((k.decode(), v.decode()) for k, v in TOKEN.findall(page))
            fields = list(fields_for(rng)) + list(tokens.items())
            body = urllib.parse.urlencode(fields).encode()
            posted = time.perf_counter()
            status, location, _ = await client.request("POST", path, body, "application/x-www-form-urlencoded")
        except (ConnectionError, asyncio.IncompleteReadError, OSError) as exc:
            results["errors"][type(exc).__name__] += 1
            client.writer = None
            continue
        done = time.perf_counter()
        results["post_status"][status] += 1
        if status == 302 and "confirm" in location:
            results["accepted"] += 1
            results["post_ms"].append((done - posted) * 1000)
            results["pair_ms"].append((done - started) * 1000)
            # A new visitor each time: a fresh page, a fresh form token and a new address now and then.
            client.cookies.pop("sessionid", None)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port, workers):
    env = dict(os.environ)
    env.update(SERVER_ENV, INVOLVE_BIND=f"127.0.0.1:{port}")
    if workers:
        env["INVOLVE_WEB_WORKERS"] = str(workers)
    server = subprocess.Popen(  # noqa: S603
        [os.path.join(os.path.dirname(sys.executable), "involve"), "serve", "--access-logfile", "/dev/null"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit("involve serve did not start: " + server.stderr.read().decode()[-2000:])


def stop_server(server):
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def where_the_time_goes(path, fields_for):
    """One GET and one POST, each repeated, profiled in-process, the time grouped by what it went on."""
    from django.test import Client as TestClient

    groups = collections.OrderedDict(
        (
            ("database (psycopg, SQL compiler)", ("psycopg", "django/db/")),
            ("templates (Jinja2, nhsuk macros)", ("jinja2", "nhsuk_frontend_jinja", "/jinja2/")),
            ("forms and validation", ("django/forms", "consultations/responding", "core/forms")),
            (
                "middleware, sessions, CSRF, signing",
                (
                    "django/middleware",
                    "django/contrib/sessions",
                    "csp/",
                    "django/core/signing",
                    "involve/core/middleware",
                    "django/contrib/auth",
                    "allauth",
                ),
            ),
            ("Involve consultations code", ("involve/consultations", "involve/equality")),
        )
    )
    rng = random.Random(1)  # noqa: S311 (made-up answers)
    profiles = {}
    for label in ("GET page", "POST response"):
        profile = cProfile.Profile()
        started = time.perf_counter()
        for n in range(200):
            client = TestClient(HTTP_X_FORWARDED_FOR=f"10.9.{n // 250}.{n % 250 + 1}", REMOTE_ADDR="127.0.0.1")
            page = client.get(path).content
            tokens = dict((k.decode(), v.decode()) for k, v in TOKEN.findall(page))
            if label == "GET page":
                profile.enable()
                client.get(path)
                profile.disable()
            else:
                profile.enable()
                client.post(path, dict(list(fields_for(rng)) + list(tokens.items())))
                profile.disable()
        profiles[label] = (profile, time.perf_counter() - started)
    for label, (profile, _) in profiles.items():
        stats = pstats.Stats(profile)
        total = sum(tt for (_, _, tt, _, _) in stats.stats.values())
        spent = collections.Counter()
        for (filename, _, _), (_, _, tt, _, _) in stats.stats.items():
            for group, needles in groups.items():
                if any(n in filename for n in needles):
                    spent[group] += tt
                    break
            else:
                spent["everything else (Django core, Python)"] += tt
        print(f"\n  {label}: {total / 200 * 1000:.1f} ms of CPU per request in-process (profiled)")
        for group, seconds in spent.most_common():
            print(f"    {group:<42} {seconds / total * 100:5.1f}%")


async def load(host, port, path, fields_for, seconds, clients):
    results = {
        "accepted": 0,
        "post_ms": [],
        "pair_ms": [],
        "post_status": collections.Counter(),
        "get_status": collections.Counter(),
        "errors": collections.Counter(),
    }
    deadline = time.monotonic() + seconds
    rng = random.Random(7)  # noqa: S311 (made-up answers)
    await asyncio.gather(
        *(
            run_client(n, host, port, path, fields_for, deadline, results, random.Random(rng.random()))  # noqa: S311
            for n in range(clients)
        )
    )
    return results


# The server and the in-process profile see the same settings: clients' own addresses through one proxy.
SERVER_ENV = {
    "INVOLVE_TRUSTED_PROXY_COUNT": "1",
    "INVOLVE_FORWARDED_ALLOW_IPS": "127.0.0.1",
    # No flood limit per consultation for the run (a flood is what this is); the per-address limit is kept.
    "INVOLVE_RESPONSE_RATE_PER_CONSULTATION": "0",
}


def main():
    args = parse_args()
    os.environ.update(SERVER_ENV)
    setup_django()
    from django.db import connection
    from django.urls import reverse

    from involve.consultations.models import Response

    consultation = make_survey()
    path = reverse("have_your_say:respond", kwargs={"org": consultation.organisation_id, "slug": consultation.slug})
    port = args.port or free_port()
    connection.close()
    server = start_server(port, args.workers)
    try:
        # Learn the form once, as a person reading it would.
        async def first_page():
            status, _, page = await Client("127.0.0.1", port, "10.0.0.1").request("GET", path)
            if status != 200:
                sys.exit(f"GET {path} answered {status}")
            return page

        reader = FormReader()
        reader.feed(asyncio.run(first_page()).decode())
        questions = sorted({*reader.radios, *reader.checkboxes, *[t for t in reader.texts if t.startswith("q_")]})
        print(f"Form at {path}: {len(questions)} answered controls ({', '.join(questions)})")

        def fields_for(rng):
            return answer_fields(reader, rng)

        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.monotonic()
        results = asyncio.run(load("127.0.0.1", port, path, fields_for, args.seconds, args.clients))
        elapsed = time.monotonic() - started
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        stop_server(server)
    stored = Response.objects.filter(consultation=consultation).count()
    accepted = results["accepted"]
    rate = accepted / elapsed
    generator_cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    post, pair = results["post_ms"], results["pair_ms"]
    lost = "none lost" if stored == accepted else f"MISMATCH: {stored - accepted:+,}"
    meets = rate >= TARGET_PER_SECOND and stored == accepted
    lines = [
        f"{args.clients} clients for {elapsed:.1f} s against involve serve ({os.cpu_count()} cores)",
        f"  accepted responses   {accepted:,}  ({rate:,.0f} a second; target {TARGET_PER_SECOND})",
        f"  stored responses     {stored:,}  ({lost})",
        f"  POST latency         p50 {percentile(post, 50):.0f} ms, p95 {percentile(post, 95):.0f} ms, "
        f"p99 {percentile(post, 99):.0f} ms",
        f"  GET + POST           p50 {percentile(pair, 50):.0f} ms, p95 {percentile(pair, 95):.0f} ms",
        f"  POST statuses        {dict(results['post_status'])}; GET not 200: {dict(results['get_status'])}; "
        f"errors: {dict(results['errors'])}",
        f"  load generator CPU   {generator_cpu:.1f} s ({generator_cpu / elapsed * 100:.0f}% of one core)",
        f"  verdict              {'meets' if meets else 'below'} the target",
    ]
    print("\n" + "\n".join(lines))
    print("\nWhere the time goes (in-process, one request at a time):")
    where_the_time_goes(path, fields_for)
    return 0 if stored == accepted else 1


if __name__ == "__main__":
    sys.exit(main())
