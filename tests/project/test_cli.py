"""The commands people run: `involve demo` (twice, on a fresh data folder) and `involve serve` in production."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

INVOLVE = str(Path(sys.executable).with_name("involve"))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url, headers=None, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as r:  # noqa: S310
                return r.status, r.read().decode()
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def _clean_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INVOLVE_", "DATABASE_URL", "DJANGO_"))}
    env.update(INVOLVE_DATA_DIR=str(tmp_path / "data"), **extra)
    return env


def _run_until_answering(cmd, env, url, headers=None):
    process = subprocess.Popen(
        cmd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,  # noqa: S603
        start_new_session=True,
    )
    try:
        status, body = _wait_for(url, headers)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
    return status, body, output


def _counts(db):
    with sqlite3.connect(db) as conn:
        return [
            conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]  # noqa: S608
            for t in ("organisations_organisation", "organisations_user", "organisations_membership")
        ]


def test_demo_serves_and_a_second_run_adds_nothing(tmp_path):
    port = _free_port()
    env = _clean_env(tmp_path)
    url = f"http://127.0.0.1:{port}/accounts/login/"
    status, body, output = _run_until_answering([INVOLVE, "demo", f"127.0.0.1:{port}"], env, url)
    assert status == 200 and "nhsuk-header" in body
    assert "the password for all of them is" in output and "icb.lead@example.nhs.uk" in output
    first = _counts(tmp_path / "data" / "involve.sqlite3")
    status, _, _ = _run_until_answering([INVOLVE, "demo", f"127.0.0.1:{port}"], env, url)
    assert status == 200
    assert _counts(tmp_path / "data" / "involve.sqlite3") == first


def test_serve_runs_gunicorn_in_production_with_hashed_static_files(tmp_path):
    port = _free_port()
    env = _clean_env(
        tmp_path,
        INVOLVE_ENV="production",
        INVOLVE_SECRET_KEY="x" * 60,
        INVOLVE_ALLOWED_HOSTS="127.0.0.1",
        INVOLVE_EMAIL_HOST="smtp.invalid",
        INVOLVE_BEHIND_PROXY="true",
        INVOLVE_BIND=f"127.0.0.1:{port}",
        INVOLVE_WEB_WORKERS="1",
    )
    https = {"X-Forwarded-Proto": "https"}
    process = subprocess.Popen(
        [INVOLVE, "serve"],
        env=env,
        stdout=subprocess.PIPE,  # noqa: S603
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        status, body = _wait_for(f"http://127.0.0.1:{port}/health/", https, timeout=120)
        assert (status, body) == (200, "ok")
        _, login = _wait_for(f"http://127.0.0.1:{port}/accounts/login/", https)
        css = login.split('href="/static/vendor/involve.', 1)[1].split('"', 1)[0]
        assert css.endswith(".css") and len(css) > len("css")  # a hashed name, served with far-future caching
        with urllib.request.urlopen(
            urllib.request.Request(  # noqa: S310
                f"http://127.0.0.1:{port}/static/vendor/involve.{css}", headers=https
            )
        ) as r:
            assert r.status == 200 and "immutable" in r.headers["Cache-Control"]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.communicate(timeout=30)


def test_load_demo_refuses_production_with_a_failing_exit_status(tmp_path):
    env = _clean_env(
        tmp_path,
        INVOLVE_ENV="production",
        INVOLVE_SECRET_KEY="x" * 60,
        INVOLVE_ALLOWED_HOSTS="involve.example.nhs.uk",
        INVOLVE_EMAIL_HOST="smtp.invalid",
    )
    result = subprocess.run([INVOLVE, "load_demo"], env=env, capture_output=True, text=True, timeout=120)  # noqa: S603
    assert result.returncode != 0
    assert "Refusing to load demo accounts" in result.stderr
