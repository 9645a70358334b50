"""The `involve` command: Django's management commands plus demo, serve and worker.

involve demo      set up the embedded SQLite database with demo data and serve on 127.0.0.1:8000
involve serve     production serving with gunicorn, for any DATABASE_URL
involve worker    run background tasks
involve <cmd>     any Django management command (migrate, createsuperuser, check, ...)
"""

import os
import subprocess
import sys


def _django(*args):
    from django.core.management import call_command

    call_command(*args)


def _prepare_database():
    from django.conf import settings

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    _django("migrate", "--no-input", "-v", "0")
    _django("createcachetable")


def demo(argv):
    from django.conf import settings

    if settings.PRODUCTION:
        sys.exit("involve demo loads demo accounts with a known password, so it refuses to run in production.")
    if argv and argv[0] in ("-h", "--help"):
        print(
            "usage: involve demo [ADDRESS:PORT]\n\nLoads the demo organisations and people into the database "
            "(once) and serves Involve, by default on 127.0.0.1:8000."
        )
        return
    address = argv[0] if argv else "127.0.0.1:8000"
    print(f"Database: {settings.DATABASES['default']['NAME']}")
    _prepare_database()
    from involve.demo import DEMO_PASSWORD, load

    accounts = load()
    print(f"\nInvolve demo is ready at http://{address}/\n")
    print(f"Sign in with any of these accounts; the password for all of them is: {DEMO_PASSWORD}\n")
    for email, description in accounts:
        print(f"  {email:<44} {description}")
    print("\nEmails (invitations, password resets) are printed here. Press Ctrl+C to stop.\n", flush=True)
    worker = subprocess.Popen([sys.executable, "-m", "involve.cli", "worker"])  # noqa: S603
    try:
        _django("runserver", address, "--noreload")
    finally:
        worker.terminate()
        worker.wait(timeout=10)


def serve(argv):
    from django.conf import settings

    _prepare_database()
    if settings.PRODUCTION:
        _django("collectstatic", "--no-input", "-v", "0")
    # Prints the warnings for weakened settings (core/checks.py) at start-up; stops on an error.
    _django("check")
    bind = os.environ.get("INVOLVE_BIND", "0.0.0.0:8000")  # noqa: S104  (inside a container or behind a proxy)
    workers = os.environ.get("INVOLVE_WEB_WORKERS", str(2 * (os.cpu_count() or 1) + 1))
    os.execvp(  # noqa: S606
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "involve.wsgi",
            "--bind",
            bind,
            "--workers",
            workers,
            "--access-logfile",
            "-",
            # The same proxies Involve takes the client's address from (settings.TRUSTED_PROXY_COUNT).
            "--forwarded-allow-ips",
            ",".join(settings.FORWARDED_ALLOW_IPS),
            *argv,
        ],
    )


def worker(argv):
    _django("db_worker", *argv)


COMMANDS = {"demo": demo, "serve": serve, "worker": worker}


def main(argv=None):
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "involve.settings")
    import django

    if argv[1:2] == ["insight"]:
        # The model commands need no database and no apps: skipping django.setup() saves a second per run.
        from involve.insight.management.commands.insight import Command

        Command().run_from_argv(["involve", *argv[1:]])
        return
    if len(argv) > 1 and argv[1] in COMMANDS:
        django.setup()
        COMMANDS[argv[1]](argv[2:])
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["involve", *argv[1:]])


if __name__ == "__main__":
    main()
