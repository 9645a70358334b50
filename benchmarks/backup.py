"""Backup and restore times, beside the database's own tools on the same data.

    scripts/benchmark.sh backup [--scale 1.0] [--files 100]     (a throwaway PostgreSQL)
    DATABASE_URL=sqlite:///$T/db.sqlite3 INVOLVE_DATA_DIR=$T .venv/bin/python benchmarks/backup.py

Fills the database with the national-scale records of engagement_lists.py (scaled) and `--files`
uploaded files of 1 MB, then times, in this order and in one process:
- the anchor backup: `pg_dump -Fc` of the database (SQLite: its online backup API to a file) plus a
  copy of the uploaded files;
- `involve backup` (core.backup.create_backup): the same dump, the files, checksums, one tar;
- the anchor restore: `pg_restore --clean --if-exists --single-transaction` of the anchor dump
  (SQLite: the backup API back into the database) plus copying the files back;
- `involve restore --replace` (core.backup.restore_backup): every checksum first, the restore, the
  files swapped in, row counts compared and the audit log verified.
The difference between the two is what Involve's checks cost. Recovery time (RTO) adds copying the
backup to the server and starting Involve.
"""

import argparse
import random
import shutil
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

from engagement_lists import existing, generate, setup_django


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the national record count")
    parser.add_argument("--files", type=int, default=100, help="uploaded files of 1 MB each")
    return parser.parse_args()


def timed(step):
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def fill_files(root: Path, n: int, rng):
    folder = root / "benchmark-files"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        path = folder / f"file-{i:04d}.bin"
        if not path.exists():
            path.write_bytes(rng.randbytes(1024 * 1024))


def anchor_backup(connection, work: Path, root: Path):
    from involve.core import backup

    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        tool = backup.find_pg_tool("pg_dump", backup._server_major(connection))
        subprocess.run(  # noqa: S603
            [tool.path, "--no-password", "-Fc", "-f", str(work / "anchor.dump")],
            env=backup.pg_environment(settings_dict),
            check=True,
        )
    else:
        connection.ensure_connection()
        with sqlite3.connect(work / "anchor.sqlite3") as target:
            connection.connection.backup(target)
    shutil.copytree(root, work / "anchor-files")


def anchor_restore(connection, work: Path, root: Path):
    from involve.core import backup

    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        tool = backup.find_pg_tool("pg_restore", backup._server_major(connection))
        connection.close()
        subprocess.run(  # noqa: S603
            [
                tool.path,
                "--no-password",
                "--clean",
                "--if-exists",
                "--single-transaction",
                "--no-owner",
                "-d",
                settings_dict["NAME"],
                str(work / "anchor.dump"),
            ],
            env=backup.pg_environment(settings_dict),
            check=True,
        )
    else:
        connection.ensure_connection()
        with sqlite3.connect(work / "anchor.sqlite3") as source:
            source.backup(connection.connection)
    shutil.rmtree(root)
    shutil.copytree(work / "anchor-files", root)


def main():
    args = parse_args()
    setup_django()
    from django.db import connection

    from involve.core import backup

    rng = random.Random(2026)  # noqa: S311 (made-up records and files, the same on every run)
    start = time.perf_counter()
    counts, *_ = existing() or generate(args.scale, rng)
    root = backup.storage_root()
    fill_files(root, args.files, rng)
    print(
        f"Ready in {time.perf_counter() - start:.0f} s on {connection.vendor}: "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items())
        + f", {args.files} files of 1 MB"
    )
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        results = {}
        results["anchor backup"] = timed(lambda: anchor_backup(connection, work, root))
        report = None

        def involve_backup():
            nonlocal report
            report = backup.create_backup(work / "involve.tar")

        results["involve backup"] = timed(involve_backup)
        results["anchor restore"] = timed(lambda: anchor_restore(connection, work, root))
        results["involve restore"] = timed(lambda: backup.restore_backup(work / "involve.tar", replace=True))
    print(f"Backup file: {report.size / 1024 / 1024:.0f} MB, {report.rows:,} rows in {len(report.tables)} tables")
    print(f"{'step':<18}{'seconds':>9}")
    for step, seconds in results.items():
        print(f"{step:<18}{seconds:9.1f}")


if __name__ == "__main__":
    main()
