"""Backups that restore exactly (security.md §9, "Backups / restore").

The restore drill fills a database the way people do (accounts with two-factor set-up, engagement
records through the services, evidence files uploaded through the real service, the audit events all
that writes), backs it up, destroys every table and every file, restores, and compares a checksum of
every table and of every file. Then the refusals: a damaged backup, a database that already holds data,
a backup of the other database vendor; each must change nothing. Runs on SQLite and on PostgreSQL.
"""

import datetime
import hashlib
import io
import json
import os
import stat
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from involve.core import backup, uploads
from involve.core.dates import today
from involve.engagement import evidence as evidence_services
from involve.engagement import services

from ..core.test_uploads import good_files
from ..engagement.factories import make_decision, make_programme
from ..world import build_world

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump reads what is committed
INVOLVE = str(Path(sys.executable).with_name("involve"))


@pytest.fixture
def storage(settings, tmp_path):
    # The uploaded files' folder, apart from where the tests write their backups.
    root = tmp_path / "files"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": root}},
    }
    assert Path(default_storage.location) == root
    return root


# ---------------------------------------------------------------------------------------------
# What is compared


def table_checksums() -> dict[str, str]:
    """sha256 of every table's rows, all columns, in a fixed order, read with a raw cursor."""
    sums = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = len(connection.introspection.get_table_description(cursor, table))
            order = ", ".join(str(n) for n in range(1, columns + 1))
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY {order}")  # noqa: S608
            h = hashlib.sha256()
            for row in cursor.fetchall():
                h.update(repr(tuple(row)).encode())
                h.update(b"\n")
            sums[table] = h.hexdigest()
    return sums


def file_checksums(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def state(root: Path) -> tuple[dict, dict]:
    return table_checksums(), file_checksums(root)


def differences(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


def destroy(root: Path) -> None:
    """Drop every table and delete every uploaded file."""
    tables = connection.introspection.table_names()
    quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {quoted} CASCADE")
    else:
        with connection.constraint_checks_disabled(), connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"DROP TABLE {connection.ops.quote_name(table)}")
    for path in sorted(root.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    assert connection.introspection.table_names() == []
    assert file_checksums(root) == {}


# ---------------------------------------------------------------------------------------------
# A realistic Involve


def upload(by, owner, name, content, title):
    checked = uploads.check_upload(SimpleUploadedFile(name, content))
    return evidence_services.evidence_upload(
        by=by, owner=owner, file=checked, title=title, dated=today() - datetime.timedelta(days=3)
    )


def fill(cast):
    world = build_world(cast)  # two-factor secrets, recovery codes, a finished task with its result file
    lead, lead_b = cast.a_engagement_lead, cast.b_engagement_lead
    programme = services.programme_create(
        by=lead, organisation=cast.org_a, name="Maternity – Ünïcode “quotes”", description="Line one\nline two"
    )
    decision = services.decision_create(
        by=lead,
        organisation=cast.org_a,
        title="Close the birth centre",
        kind="service_change",
        programme=programme,
        planned_date=today() + datetime.timedelta(days=30),
        summary="=1+1 stays text",
        affected_organisations=[cast.org_b],
    )
    partner = services.partner_create(by=lead, organisation=cast.org_a, name="Healthwatch Alpha")
    activity = services.activity_create(
        by=lead,
        organisation=cast.org_a,
        title="Listening event",
        method="workshop",
        ladder_level="involve",
        state="done",
        starts_on=today() - datetime.timedelta(days=10),
        decisions=[decision],
        partners=[partner],
    )
    world.evidence = []
    for key, (name, content, _) in good_files().items():
        owner = decision if len(world.evidence) % 2 else activity
        world.evidence.append(upload(lead, owner, name, content, f"Evidence {key}"))
    evidence_services.evidence_add_link(
        by=lead, owner=decision, url="https://www.example.nhs.uk/r", title="Summary", dated=today()
    )
    decision_b = services.decision_create(by=lead_b, organisation=cast.org_b, title="Beta decision", kind="operational")
    upload(lead_b, decision_b, "Minutes.pdf", good_files()["pdf"][1], "Beta minutes")
    for n in range(20):
        make_decision(cast.org_b, title=f"Decision {n}", programme=make_programme(cast.org_b, name=f"Programme {n}"))
    world.decision, world.lead = decision, lead
    return world


# ---------------------------------------------------------------------------------------------
# The drill


def test_restore_drill_every_table_and_file_comes_back_exactly(cast, storage, tmp_path, scorecard, client_for):
    world = fill(cast)
    tables_before, files_before = state(storage)
    assert len(files_before) >= len(good_files()) + 2  # every evidence file, and the task's result file
    assert backup.data_held().people > 0

    started = time.monotonic()
    made = backup.create_backup(tmp_path / "drill.tar")
    backup_seconds = time.monotonic() - started
    assert made.files == len(files_before)
    assert made.tables.keys() == tables_before.keys()
    assert made.tables["audit_auditevent"] > 0

    destroy(storage)

    started = time.monotonic()
    restored = backup.restore_backup(made.path)
    restore_seconds = time.monotonic() - started
    tables_after, files_after = state(storage)

    mismatched = differences(tables_before, tables_after) + differences(files_before, files_after)
    checked = len(tables_before.keys() | tables_after.keys()) + len(files_before.keys() | files_after.keys())
    scorecard.add(scorecard.RESTORE_MISMATCH, found=len(mismatched), checked=checked)
    scorecard.add(scorecard.AUDIT_VERIFY, found=0 if restored.audit.ok else 1, checked=1)
    print(
        f"\nrestore drill ({connection.vendor}): {made.rows:,} rows in {len(made.tables)} tables and "
        f"{made.files} files ({backup.size_text(made.size)} backup); backup {backup_seconds:.2f} s, "
        f"restore {restore_seconds:.2f} s (RTO, checks included); {len(mismatched)} of {checked} differ"
    )
    assert mismatched == []
    assert restored.count_mismatches == []
    assert restored.warnings == []
    assert restored.audit.ok, restored.audit.message

    # The restored copy works: a person downloads a restored file, which also writes a new audit event
    # (so the restored sequences do not hand out an id already taken).
    evidence = world.evidence[0]
    response = client_for(world.lead).get(reverse("engagement:evidence_download", args=[evidence.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == good_files()["pdf"][1]
    call_command("audit", "verify", stdout=io.StringIO())  # the chain goes on from the restored head


def test_a_backup_is_one_private_file_that_lists_and_checksums_everything(cast, storage, tmp_path):
    fill(cast)
    path = tmp_path / "out" / "nightly.tar"
    out = io.StringIO()
    call_command("backup", "--output", str(path), stdout=out)

    assert out.getvalue().startswith(f"Wrote {path} (")
    assert f"{len(file_checksums(storage))} uploaded files" in out.getvalue()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.listdir(path.parent) == ["nightly.tar"]  # no temporary file left behind
    with tarfile.open(path) as tar:
        names = tar.getnames()
        manifest_bytes = tar.extractfile(backup.MANIFEST).read()
        recorded = tar.extractfile(backup.MANIFEST_SUM).read().split()[0].decode()
        members = {m.name: hashlib.sha256(tar.extractfile(m).read()).hexdigest() for m in tar if m.isreg()}
    manifest = json.loads(manifest_bytes)
    assert recorded == hashlib.sha256(manifest_bytes).hexdigest()
    assert manifest["vendor"] == connection.vendor
    assert manifest["involve_version"]
    assert datetime.datetime.fromisoformat(manifest["created_at"]).tzinfo is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        applied = cursor.fetchall()
    assert manifest["migrations"] == {app: max(n for a, n in applied if a == app) for app, _ in applied}
    assert manifest["tables"].keys() == set(connection.introspection.table_names())
    assert manifest["tables"]["audit_auditevent"] > 0
    assert members[manifest["database"]["member"]] == manifest["database"]["sha256"]
    stored = file_checksums(storage)
    assert {f["name"]: f["sha256"] for f in manifest["files"]} == stored
    assert all(members[backup.FILES + name] == sha for name, sha in stored.items())
    assert sorted(names) == sorted(
        [backup.MANIFEST, backup.MANIFEST_SUM, manifest["database"]["member"]] + [backup.FILES + n for n in stored]
    )
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", "--output", str(path))


# ---------------------------------------------------------------------------------------------
# Refusals, each of which must change nothing


def later_work(cast, storage):
    """Work done after the backup, which a refused restore must leave in place."""
    services.programme_create(by=cast.a_administrator, organisation=cast.org_a, name="Written after the backup")
    (storage / "evidence").mkdir(parents=True, exist_ok=True)
    (storage / "evidence" / "later").write_bytes(b"uploaded after the backup")


def rewrite(path: Path, out: Path, change, rename=None) -> Path:
    """A copy of a backup with its members changed by change(name, data) -> data (None drops it), and
    renamed by `rename` ({old: new})."""
    with tarfile.open(path) as tar, tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as new:
        for member in tar:
            data = change(member.name, tar.extractfile(member).read())
            if data is not None:
                member.size = len(data)
                member.name = (rename or {}).get(member.name, member.name)
                new.addfile(member, io.BytesIO(data))
    return out


def flip_a_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def resealed(change_manifest):
    """A change that edits the manifest and writes its checksum again, as a forger (or a bug) would."""
    edited = {}

    def change(name, data):
        if name == backup.MANIFEST:
            manifest = json.loads(data)
            change_manifest(manifest)
            edited["data"] = json.dumps(manifest).encode()
            return edited["data"]
        if name == backup.MANIFEST_SUM:
            return f"{hashlib.sha256(edited['data']).hexdigest()}  {backup.MANIFEST}\n".encode()
        return data

    return change


def damage(kind):
    def change(name, data):
        if kind == "a file's bytes" and name.startswith(backup.FILES + "evidence/"):
            return flip_a_byte(data)
        if kind == "the database's bytes" and name in backup.DATABASE_MEMBER.values():
            return flip_a_byte(data)
        if kind == "the manifest's bytes" and name == backup.MANIFEST:
            return data.replace(b'"tables"', b'"tablez"')
        if kind == "a file missing" and name.startswith(backup.FILES + "evidence/"):
            return None
        return data

    return change


def first_file_edited(manifest):
    manifest["files"][0]["sha256"] = "0" * 64


@pytest.mark.parametrize(
    "kind",
    ["a file's bytes", "the database's bytes", "the manifest's bytes", "a file missing", "truncated", "resealed"],
)
def test_a_damaged_backup_is_refused_and_changes_nothing(cast, storage, tmp_path, kind):
    fill(cast)
    made = backup.create_backup(tmp_path / "good.tar")
    later_work(cast, storage)
    before = state(storage)

    damaged = tmp_path / "damaged.tar"
    if kind == "truncated":
        damaged.write_bytes(made.path.read_bytes()[: made.size // 2])
    elif kind == "resealed":
        # The manifest's own checksum is right, but it no longer describes the file it sits beside.
        rewrite(made.path, damaged, resealed(first_file_edited))
    else:
        rewrite(made.path, damaged, damage(kind))

    with pytest.raises(backup.BackupError, match="is damaged") as refused:
        backup.restore_backup(damaged, replace=True)
    assert "Nothing was changed" in str(refused.value)
    assert state(storage) == before
    assert [p.name for p in storage.iterdir() if p.name.startswith(backup.WORK_PREFIX)] == []
    with pytest.raises(CommandError, match="is damaged"):
        call_command("restore", str(damaged), "--replace")
    # The intact backup still restores.
    assert backup.restore_backup(made.path, replace=True).count_mismatches == []


def test_restoring_over_data_needs_replace_and_then_replaces_everything(cast, storage, tmp_path):
    fill(cast)
    at_backup = state(storage)
    made = backup.create_backup(tmp_path / "b.tar")
    later_work(cast, storage)
    before = state(storage)

    with pytest.raises(backup.BackupError) as refused:
        backup.restore_backup(made.path)
    message = str(refused.value)
    assert "already holds data" in message and "--replace" in message and "would be lost" in message
    assert f"{backup.data_held().people} accounts" in message
    assert state(storage) == before
    with pytest.raises(CommandError, match="--replace"):
        call_command("restore", str(made.path))
    assert state(storage) == before

    out = io.StringIO()
    call_command("restore", str(made.path), "--replace", stdout=out, stderr=io.StringIO())
    assert "It replaced" in out.getvalue()
    assert state(storage) == at_backup  # what was written after the backup is gone, as the message said


def test_a_backup_of_the_other_database_vendor_is_refused(cast, storage, tmp_path):
    fill(cast)
    made = backup.create_backup(tmp_path / "b.tar")
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    ours = backup.DATABASE_MEMBER[connection.vendor]

    def as_other(manifest):
        manifest["vendor"] = other
        manifest["database"]["member"] = backup.DATABASE_MEMBER[other]

    foreign = rewrite(
        made.path, tmp_path / "other.tar", resealed(as_other), rename={ours: backup.DATABASE_MEMBER[other]}
    )
    assert backup.read_manifest(foreign)["vendor"] == other  # intact: only the vendor is wrong
    before = state(storage)

    with pytest.raises(backup.BackupError) as refused:
        backup.restore_backup(foreign, replace=True)
    assert backup.VENDOR_NAMES[other] in str(refused.value)
    assert backup.VENDOR_NAMES[connection.vendor] in str(refused.value)
    assert state(storage) == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's backup API cannot fail half-way")
def test_a_restore_that_fails_part_way_is_rolled_back_and_changes_nothing(cast, storage, tmp_path):
    fill(cast)
    made = backup.create_backup(tmp_path / "b.tar")
    later_work(cast, storage)
    with connection.cursor() as cursor:
        # Something outside the backup that depends on a table in it: pg_restore's DROP TABLE of that table
        # fails after it has already dropped other objects in the same transaction.
        cursor.execute("CREATE VIEW people_seen AS SELECT email FROM organisations_user")
    try:
        before = state(storage)
        with pytest.raises(backup.BackupError, match="rolled back: the database is as it was") as refused:
            backup.restore_backup(made.path, replace=True)
        assert "people_seen" in str(refused.value)
        assert state(storage) == before
        assert [p.name for p in storage.iterdir() if p.name.startswith(backup.WORK_PREFIX)] == []
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP VIEW IF EXISTS people_seen")


# ---------------------------------------------------------------------------------------------
# PostgreSQL's programs and connection


def fake_tool(folder: Path, name: str, major: int) -> Path:
    folder.mkdir(parents=True)
    tool = folder / name
    tool.write_text(f'#!/bin/sh\necho "{name} (PostgreSQL) {major}.3 (Debian {major}.3-1)"\n')
    tool.chmod(0o755)
    return tool


def test_the_newest_pg_dump_at_least_the_servers_version_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "path"))
    monkeypatch.setattr(backup, "PG_BIN_GLOB", str(tmp_path / "lib" / "*" / "bin"))
    with pytest.raises(backup.BackupError, match="pg_dump was not found.*postgresql-client-16"):
        backup.find_pg_tool("pg_dump", 16)

    fake_tool(tmp_path / "path", "pg_dump", 15)
    newest = fake_tool(tmp_path / "lib" / "17" / "bin", "pg_dump", 17)
    fake_tool(tmp_path / "lib" / "16" / "bin", "pg_dump", 16)
    assert backup.find_pg_tool("pg_dump", 16) == backup.PGTool(str(newest), 17)
    with pytest.raises(backup.BackupError, match="runs PostgreSQL 18, but the newest pg_dump found is older"):
        backup.find_pg_tool("pg_dump", 18)


def test_the_password_goes_to_pg_dump_in_its_environment_not_on_its_command_line():
    settings_dict = {
        "NAME": "involve",
        "USER": "involve_owner",
        "PASSWORD": "s3cret-pw",
        "HOST": "db.example",
        "PORT": 5433,
        "OPTIONS": {"sslmode": "verify-full", "assume_role": "involve_owner"},
    }
    env = backup.pg_environment(settings_dict)
    assert (env["PGPASSWORD"], env["PGUSER"], env["PGHOST"], env["PGPORT"]) == (
        "s3cret-pw",
        "involve_owner",
        "db.example",
        "5433",
    )
    assert env["PGSSLMODE"] == "verify-full"
    command = backup._pg_command(backup.PGTool("/usr/bin/pg_dump", 17), settings_dict, "--format=custom")
    assert not any("s3cret-pw" in part for part in command)
    assert "--role=involve_owner" in command and "--no-password" in command


# ---------------------------------------------------------------------------------------------
# The commands people run, on a SQLite file in WAL mode as `involve demo` and small sites use


def test_involve_backup_and_restore_from_the_command_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INVOLVE_", "DATABASE_URL", "DJANGO_"))}
    env.update(INVOLVE_DATA_DIR=str(tmp_path / "data"), DJANGO_SUPERUSER_PASSWORD="correct-horse-battery-staple")

    def involve(*args):
        return subprocess.run([INVOLVE, *args], env=env, capture_output=True, text=True, timeout=120)  # noqa: S603

    empty = involve("backup")
    assert empty.returncode == 1 and "no tables, so there is nothing to back up" in empty.stderr
    assert not (tmp_path / "data" / "backups").exists() or not any((tmp_path / "data" / "backups").iterdir())
    assert involve("migrate", "-v", "0").returncode == 0
    assert involve("createsuperuser", "--no-input", "--email", "admin@example.nhs.uk").returncode == 0
    files = tmp_path / "data" / "files" / "evidence" / "1"
    files.mkdir(parents=True)
    (files / "report").write_bytes(b"%PDF-1.4 evidence")

    made = involve("backup")
    assert made.returncode == 0, made.stderr
    assert "Wrote " in made.stdout and "1 uploaded file " in made.stdout
    [path] = (tmp_path / "data" / "backups").iterdir()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    (files / "report").write_bytes(b"changed after the backup")
    refused = involve("restore", str(path))
    assert refused.returncode == 1
    assert "1 account" in refused.stderr and "--replace" in refused.stderr
    assert (files / "report").read_bytes() == b"changed after the backup"

    restored = involve("restore", str(path), "--replace")
    assert restored.returncode == 0, restored.stderr
    assert "Every table has the rows the backup recorded" in restored.stdout
    assert (files / "report").read_bytes() == b"%PDF-1.4 evidence"


def test_a_backup_inside_the_files_folder_is_refused(cast, storage):
    with pytest.raises(backup.BackupError, match="outside the uploaded files' folder"):
        backup.create_backup(storage / "backup.tar")
    assert not (storage / "backup.tar").exists()


def test_restoring_a_backup_from_a_newer_involve_says_to_install_it():
    warnings = backup._migration_warnings({"migrations": {"engagement": "9999_later"}, "involve_version": "9.9"})
    assert warnings and "engagement 9999_later" in warnings[0] and "Install Involve 9.9 or newer" in warnings[0]
    assert backup._migration_warnings({"migrations": {"engagement": "0001_initial"}, "involve_version": "0.1"}) == []


def test_a_restored_audit_log_that_fails_verification_fails_the_restore(cast, storage, tmp_path):
    fill(cast)
    with connection.cursor() as cursor:
        # The append-only triggers refuse UPDATE; someone with the owner's rights can switch them off.
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_auditevent'"
            )
            triggers = cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f"DROP TRIGGER {name}")
        cursor.execute(
            "UPDATE audit_auditevent SET actor_label = 'someone.else@example.nhs.uk' "
            "WHERE id = (SELECT MIN(id) FROM audit_auditevent)"
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
        else:
            for _, sql in triggers:
                cursor.execute(sql)
    made = backup.create_backup(tmp_path / "b.tar")

    report = backup.restore_backup(made.path, replace=True)
    assert report.count_mismatches == []
    assert report.audit.ok is False and "audit verify failed" in report.audit.message
    with pytest.raises(CommandError, match="audit verify failed"):
        call_command("restore", str(made.path), "--replace", stdout=io.StringIO(), stderr=io.StringIO())


def test_without_an_audit_verify_command_the_restore_says_the_log_was_not_checked(monkeypatch):
    monkeypatch.setattr(backup, "get_commands", dict)  # an Involve from before `involve audit verify`
    check = backup.verify_audit_log()
    assert check.ok is None and "no `involve audit verify` command" in check.message
