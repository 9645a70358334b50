"""Backups that restore exactly: `involve backup` and `involve restore`.

No domain knowledge: a backup is the whole database and every uploaded file, whatever they hold.

One backup is one tar file, written under a temporary name and renamed into place (so a half-written
backup never looks like a backup), readable only by its owner (0600). It holds:

    database.dump      PostgreSQL: pg_dump's custom format, or
    database.sqlite3   SQLite: a copy made with SQLite's online backup API, consistent while Involve runs
    files/…            every uploaded file (the default storage's folder), under its stored name
    manifest.json      Involve's version, the database vendor, the migrations applied (the latest per
                       app), when it was made, the rows in every table, and the sha256 of every member
    manifest.json.sha256   the sha256 of manifest.json, so a damaged manifest is noticed too

On PostgreSQL the row counts and pg_dump read the same snapshot (pg_export_snapshot), and on SQLite
they are counted in the copy itself, so the counts describe exactly what the backup holds.

Restoring checks every checksum before it changes anything, refuses a backup of the other database
vendor, and refuses to overwrite a database that holds data unless told to replace it. It then restores
the database in one transaction (pg_restore --single-transaction, or SQLite's backup API, which rewrites
the destination in one transaction), puts the files in place by renaming a folder prepared and checked
beforehand, compares every table's rows with the manifest, and runs `involve audit verify`.
"""

import contextlib
import datetime
import glob
import hashlib
import importlib.metadata
import io
import json
import os
import re
import secrets
import shutil
import sqlite3
import stat
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.db import connections, transaction
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.json.sha256"
FILES = "files/"
DATABASE_MEMBER = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
VENDOR_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
# Folders a restore works in, inside the storage folder (so renames never cross file systems); a
# backup skips them.
WORK_PREFIX = ".involve-"
# Where Debian and Ubuntu install each PostgreSQL version's programs, besides PATH.
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
# libpq reads these from the environment; Django's settings say what they should be.
PG_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "options": "PGOPTIONS",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, to the person running it."""


@dataclass
class BackupReport:
    path: Path
    size: int
    vendor: str
    tables: dict[str, int]
    files: int
    file_bytes: int
    seconds: float
    warnings: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


@dataclass
class Held:
    """What a database and the storage folder hold now: what a restore would replace."""

    people: int
    rows: int
    tables: int
    files: int

    @property
    def empty(self) -> bool:
        # A freshly migrated database already has rows (content types, permissions, reference data
        # that migrations load), so rows alone do not mean someone's data is there. Every real use of
        # Involve has at least one account, and uploaded files are data whatever the database holds.
        return self.people == 0 and self.files == 0


@dataclass
class AuditCheck:
    ok: bool | None  # None: the check could not be run
    message: str


@dataclass
class RestoreReport:
    path: Path
    manifest: dict
    replaced: Held
    files: int
    count_mismatches: list[str]
    audit: AuditCheck
    seconds: float
    warnings: list[str] = field(default_factory=list)

    @property
    def tables(self) -> int:
        return len(self.manifest["tables"])

    @property
    def backup_age(self) -> datetime.timedelta:
        """How old the backup is: what a restore loses (the recovery point)."""
        return timezone.now() - datetime.datetime.fromisoformat(self.manifest["created_at"])

    @property
    def rows(self) -> int:
        return sum(self.manifest["tables"].values())


# ---------------------------------------------------------------------------------------------
# Small pieces


class _Hashing(io.RawIOBase):
    """Reads through to a file, hashing what passes (tarfile reads exactly the member's size)."""

    def __init__(self, f):
        self.f = f
        self.hash = hashlib.sha256()

    def readable(self):
        return True

    def read(self, n=-1):
        data = self.f.read(n)
        self.hash.update(data)
        return data


def _copy_hashing(source, target) -> str:
    h = hashlib.sha256()
    while chunk := source.read(CHUNK):
        h.update(chunk)
        if target is not None:
            target.write(chunk)
    return h.hexdigest()


def _fsync_folder(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def plural(n: int, word: str) -> str:
    return f"{n:,} {word if n == 1 else word + 's'}"


def size_text(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError  # pragma: no cover


def _involve_version() -> str:
    try:
        return importlib.metadata.version("involve")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover  (always installed, even in tests)
        return "unknown"


def _vendor_name(vendor: str) -> str:
    return VENDOR_NAMES.get(vendor, vendor)


def _connection(using):
    connection = connections[using]
    if connection.vendor not in DATABASE_MEMBER:
        raise BackupError(f"involve backup works with PostgreSQL and SQLite; this database is {connection.vendor}.")
    return connection


def storage_root() -> Path:
    if not isinstance(default_storage, FileSystemStorage):
        raise BackupError(
            f"Uploaded files are kept in {type(default_storage).__name__}, not in a folder on this machine, so "
            "involve backup cannot copy them. Back them up with that storage's own tools."
        )
    return Path(default_storage.location)


def _stored_files(root: Path) -> list[Path]:
    """Every regular file under the storage folder, as names relative to it, in a stable order."""
    found = []
    if not root.is_dir():
        return found
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        if here == root:
            dirs[:] = [d for d in dirs if not d.startswith(WORK_PREFIX)]
        dirs.sort()
        for name in sorted(names):
            path = here / name
            # Links are not followed: the storage only ever writes plain files.
            if stat.S_ISREG(path.lstat().st_mode):
                found.append(path.relative_to(root))
    return found


def _safe_name(name: str) -> bool:
    """A stored file's name from a backup may only point inside the storage folder."""
    path = PurePosixPath(name)
    return (
        bool(name)
        and "\0" not in name
        and "\\" not in name
        and not path.is_absolute()
        and all(part not in ("", ".", "..") for part in name.split("/"))
        and not name.startswith(WORK_PREFIX)
    )


def _count_rows(cursor, quote, tables) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608  (names from the catalogue, quoted)
        counts[table] = cursor.fetchone()[0]
    return counts


def _latest_migrations(cursor, tables) -> dict[str, str]:
    if "django_migrations" not in tables:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations")
    latest: dict[str, str] = {}
    for app, name in cursor.fetchall():
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


# ---------------------------------------------------------------------------------------------
# PostgreSQL programs


@dataclass(frozen=True)
class PGTool:
    path: str
    major: int


def _tool_major(path: str) -> int | None:
    try:
        out = subprocess.run(  # noqa: S603
            [path, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    return int(match.group(1)) if match else None


def find_pg_tool(name: str, server_major: int) -> PGTool:
    """pg_dump or pg_restore: the newest found on PATH or in /usr/lib/postgresql/*/bin.

    It must be at least the server's version: an older pg_dump refuses a newer server, and a newer
    pg_dump writes archives that an older pg_restore cannot read.
    """
    candidates = []
    on_path = shutil.which(name)
    if on_path:
        candidates.append(on_path)
    for folder in sorted(glob.glob(PG_BIN_GLOB)):
        path = os.path.join(folder, name)
        if os.access(path, os.X_OK) and path not in candidates:
            candidates.append(path)
    found = [PGTool(path, major) for path in candidates if (major := _tool_major(path)) is not None]
    install = f"Install PostgreSQL's client programs, version {server_major} or newer (on Debian and Ubuntu: "
    install += f"apt install postgresql-client-{server_major})."
    if not found:
        raise BackupError(f"{name} was not found, on PATH or in {PG_BIN_GLOB}. {install}")
    best = max(found, key=lambda tool: tool.major)
    if best.major < server_major:
        listed = ", ".join(f"{t.path} (version {t.major})" for t in found)
        raise BackupError(
            f"The database server runs PostgreSQL {server_major}, but the newest {name} found is older: "
            f"{listed}. {install}"
        )
    return best


def pg_environment(settings_dict: dict) -> dict[str, str]:
    """The environment for pg_dump and pg_restore: the connection from Django's settings, as libpq's PG*
    variables, so that the password is never on a command line (where `ps` shows it to everyone)."""
    env = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        value = settings_dict.get(key)
        if value:
            env[variable] = str(value)
    for option, variable in PG_OPTIONS.items():
        value = (settings_dict.get("OPTIONS") or {}).get(option)
        if value:
            env[variable] = str(value)
    env["PGAPPNAME"] = "involve backup"
    return env


def _pg_command(tool: PGTool, settings_dict: dict, *args) -> list[str]:
    command = [tool.path, "--no-password", *args]
    # Django's assume_role option (SET ROLE after connecting) has the same meaning for these programs.
    role = (settings_dict.get("OPTIONS") or {}).get("assume_role")
    if role:
        command.append(f"--role={role}")
    return command


def _run_pg(command: list[str], settings_dict: dict, what: str) -> None:
    result = subprocess.run(  # noqa: S603
        command, env=pg_environment(settings_dict), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-10:])
        raise BackupError(f"{what} failed ({Path(command[0]).name} exited with {result.returncode}):\n{detail}")


def _server_major(connection) -> int:
    connection.ensure_connection()
    return connection.pg_version // 10000


# ---------------------------------------------------------------------------------------------
# Backing up


def default_output() -> Path:
    stamp = timezone.now().astimezone(datetime.UTC).strftime("%Y%m%d-%H%M%SZ")
    return Path(settings.DATA_DIR) / "backups" / f"involve-{stamp}.tar"


def _dump_postgresql(connection, dest: Path) -> tuple[dict, dict]:
    if connection.in_atomic_block:
        raise BackupError("A backup cannot be taken inside a database transaction.")
    tool = find_pg_tool("pg_dump", _server_major(connection))
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # One snapshot for the counts and for pg_dump, which joins it, so both see the same rows
        # however much Involve writes meanwhile.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        tables = connection.introspection.table_names(cursor)
        counts = _count_rows(cursor, connection.ops.quote_name, tables)
        migrations = _latest_migrations(cursor, tables)
        command = _pg_command(
            tool, connection.settings_dict, "--format=custom", f"--snapshot={snapshot}", f"--file={dest}"
        )
        _run_pg(command, connection.settings_dict, "pg_dump")
    return counts, migrations


def _sqlite_tables(cursor) -> list[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
    return sorted(row[0] for row in cursor.fetchall())


def _dump_sqlite(connection, dest: Path) -> tuple[dict, dict]:
    connection.ensure_connection()
    copy = sqlite3.connect(dest)
    try:
        # In one step under a read lock on the live database, so the copy is one consistent state of it
        # (in WAL mode writers carry on meanwhile). The counts come from the copy itself.
        connection.connection.backup(copy)
        cursor = copy.cursor()
        tables = _sqlite_tables(cursor)
        counts = _count_rows(cursor, lambda t: '"' + t.replace('"', '""') + '"', tables)
        migrations = _latest_migrations(cursor, tables)
    finally:
        copy.close()
    return counts, migrations


def create_backup(output: Path | str | None = None, *, using: str = "default") -> BackupReport:
    """Write a backup of the database and the uploaded files to `output` (a file, or a folder for a
    timestamped file in it; by default DATA_DIR/backups/). Never overwrites an existing file."""
    started = time.monotonic()
    connection = _connection(using)
    root = storage_root()
    output = Path(output) if output else default_output()
    if output.is_dir():
        output = output / default_output().name
    if output.exists():
        raise BackupError(f"{output} already exists. Choose another name, or move the old backup away first.")
    if output.resolve().is_relative_to(root.resolve()):
        raise BackupError(f"Write the backup outside the uploaded files' folder ({root}), which it copies.")
    output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)

    warnings = []
    work = Path(tempfile.mkdtemp(prefix="involve-backup-"))  # 0700
    fd, partial = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".partial")  # 0600
    try:
        member = DATABASE_MEMBER[connection.vendor]
        dump = work / member
        # The database first, then the files: a file added meanwhile is merely extra, and files are only
        # deleted after the row that names them has gone.
        if connection.vendor == "postgresql":
            counts, migrations = _dump_postgresql(connection, dump)
            server = ".".join(str(p) for p in divmod(connection.pg_version, 10000))
        else:
            counts, migrations = _dump_sqlite(connection, dump)
            server = sqlite3.sqlite_version
        if not counts:
            raise BackupError(
                f"The database has no tables, so there is nothing to back up. Check that DATABASE_URL (or "
                f"INVOLVE_DATA_DIR) names Involve's database: {connection.settings_dict['NAME']}."
            )

        manifest = {
            "format": FORMAT,
            "involve_version": _involve_version(),
            "created_at": timezone.now().astimezone(datetime.UTC).isoformat(),
            "vendor": connection.vendor,
            "server_version": server,
            "migrations": migrations,
            "tables": counts,
            "database": {"member": member, "size": dump.stat().st_size},
            "storage": str(root),
            "files": [],
        }
        with os.fdopen(fd, "wb") as raw:
            fd = None
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
                manifest["database"]["sha256"] = _add(tar, member, dump)
                for name in _stored_files(root):
                    path = root / name
                    try:
                        sha = _add(tar, FILES + name.as_posix(), path)
                        info = path.stat()
                    except FileNotFoundError:
                        warnings.append(f"{name.as_posix()} was deleted while the backup ran, so it is not in it")
                        continue
                    manifest["files"].append(
                        {
                            "name": name.as_posix(),
                            "size": info.st_size,
                            "mode": stat.S_IMODE(info.st_mode),
                            "sha256": sha,
                        }
                    )
                data = json.dumps(manifest, indent=1, sort_keys=True).encode()
                _add_bytes(tar, MANIFEST, data)
                _add_bytes(tar, MANIFEST_SUM, f"{hashlib.sha256(data).hexdigest()}  {MANIFEST}\n".encode())
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, output)
        _fsync_folder(output.parent)
    except BaseException:
        if fd is not None:
            os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)

    return BackupReport(
        path=output,
        size=output.stat().st_size,
        vendor=connection.vendor,
        tables=counts,
        files=len(manifest["files"]),
        file_bytes=sum(f["size"] for f in manifest["files"]),
        seconds=time.monotonic() - started,
        warnings=warnings,
    )


def _member_info(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(mtime)
    return info


def _add(tar: tarfile.TarFile, name: str, path: Path) -> str:
    with open(path, "rb") as f:
        info = _member_info(name, os.fstat(f.fileno()).st_size, os.fstat(f.fileno()).st_mtime)
        reader = _Hashing(f)
        tar.addfile(info, reader)
    return reader.hash.hexdigest()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    tar.addfile(_member_info(name, len(data), time.time()), io.BytesIO(data))


# ---------------------------------------------------------------------------------------------
# Reading a backup back


def _damaged(path, what: str) -> BackupError:
    return BackupError(
        f"The backup {path} is damaged: {what}. Nothing was changed. Restore from another backup, and check "
        "how backups are copied and stored."
    )


def _read_checked(path: Path, work: Path) -> dict:
    """The manifest of a backup whose every member matches its checksum. The database member is copied
    into the folder `work` on the way; uploaded files are only read. Raises BackupError otherwise."""
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.")
    hashes: dict[str, str] = {}
    small: dict[str, bytes] = {}
    try:
        with tarfile.open(path, mode="r:") as tar:
            for member in tar:
                if member.name in hashes:
                    raise _damaged(path, f"it holds {member.name} twice")
                if not member.isreg():
                    raise _damaged(path, f"{member.name} is not a plain file")
                source = tar.extractfile(member)
                if member.name in (MANIFEST, MANIFEST_SUM):
                    small[member.name] = source.read()
                    hashes[member.name] = hashlib.sha256(small[member.name]).hexdigest()
                elif member.name in DATABASE_MEMBER.values():
                    with open(work / member.name, "wb") as target:
                        hashes[member.name] = _copy_hashing(source, target)
                else:
                    hashes[member.name] = _copy_hashing(source, None)
    except (tarfile.TarError, EOFError) as exc:
        raise _damaged(path, f"it cannot be read as a backup ({exc})") from None

    if MANIFEST not in small or MANIFEST_SUM not in small:
        raise _damaged(path, "its manifest is missing (is it an Involve backup?)")
    recorded = small[MANIFEST_SUM].decode(errors="replace").split()
    if not recorded or recorded[0] != hashes[MANIFEST]:
        raise _damaged(path, "its manifest does not match its checksum")
    try:
        manifest = json.loads(small[MANIFEST])
        if manifest.get("format", 0) > FORMAT:
            raise BackupError(
                f"The backup {path} was made by a newer Involve ({manifest.get('involve_version')}), in a format "
                "this version cannot read. Nothing was changed. Restore it with that version or newer."
            )
        expected = {manifest["database"]["member"]: manifest["database"]["sha256"]}
        for entry in manifest["files"]:
            if not _safe_name(entry["name"]):
                raise _damaged(path, f"it names a file outside the storage folder ({entry['name']!r})")
            expected[FILES + entry["name"]] = entry["sha256"]
        vendor = manifest["vendor"]
        if not isinstance(manifest["tables"], dict) or not isinstance(manifest["migrations"], dict):
            raise TypeError
    except (ValueError, KeyError, TypeError, AttributeError):
        raise _damaged(path, "its manifest cannot be read") from None
    if DATABASE_MEMBER.get(vendor) != manifest["database"]["member"]:
        raise _damaged(path, "its manifest names the wrong database member")

    held = {name: sha for name, sha in hashes.items() if name not in (MANIFEST, MANIFEST_SUM)}
    missing = sorted(expected.keys() - held.keys())
    extra = sorted(held.keys() - expected.keys())
    wrong = sorted(name for name in expected.keys() & held.keys() if expected[name] != held[name])
    if missing:
        raise _damaged(path, f"{plural(len(missing), 'member')} listed in its manifest are missing ({missing[0]})")
    if extra:
        raise _damaged(path, f"it holds {plural(len(extra), 'member')} its manifest does not list ({extra[0]})")
    if wrong:
        raise _damaged(path, f"{plural(len(wrong), 'member')} do not match their checksums ({wrong[0]})")
    return manifest


def read_manifest(path: Path | str) -> dict:
    """Check a backup without restoring it: its manifest, once every checksum has been compared."""
    with tempfile.TemporaryDirectory(prefix="involve-restore-") as work:
        return _read_checked(Path(path), Path(work))


def _stage_files(path: Path, manifest: dict, staging: Path) -> None:
    """Write the backup's files into `staging`, checking each checksum again as it is written."""
    entries = {FILES + e["name"]: e for e in manifest["files"]}
    with tarfile.open(path, mode="r:") as tar:
        for member in tar:
            entry = entries.get(member.name)
            if entry is None:
                continue
            target = staging / entry["name"]
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                if _copy_hashing(tar.extractfile(member), out) != entry["sha256"]:
                    raise _damaged(path, f"{member.name} changed while it was being restored")
                os.fchmod(out.fileno(), entry.get("mode", 0o600) & 0o777)


# ---------------------------------------------------------------------------------------------
# Restoring


def data_held(*, using: str = "default") -> Held:
    connection = connections[using]
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        counts = _count_rows(cursor, connection.ops.quote_name, tables)
    user_table = get_user_model()._meta.db_table
    return Held(
        people=counts.get(user_table, 0),
        rows=sum(counts.values()),
        tables=sum(1 for n in counts.values() if n),
        files=len(_stored_files(storage_root())),
    )


def _restore_sqlite(connection, dump: Path) -> None:
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    try:
        try:
            result = source.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            result = str(exc)
        if result != "ok":
            raise BackupError(
                f"The database in the backup is not a sound SQLite database ({result}). Nothing was changed."
            )
        connection.ensure_connection()
        # The destination is rewritten in one transaction: a failure leaves it as it was.
        source.backup(connection.connection)
    except sqlite3.OperationalError as exc:
        raise BackupError(
            f"SQLite could not replace the database ({exc}). Nothing was changed. Stop Involve (the web server "
            "and the workers) and try again."
        ) from None
    finally:
        source.close()


def _restore_postgresql(connection, dump: Path) -> None:
    try:
        tool = find_pg_tool("pg_restore", _server_major(connection))
    except BackupError as exc:
        raise BackupError(f"{exc} Nothing was changed.") from None
    settings_dict = connection.settings_dict
    # Our own open connection would hold locks that pg_restore's DROP TABLE waits for.
    connection.close()
    command = _pg_command(
        tool,
        settings_dict,
        "--clean",
        "--if-exists",
        # All or nothing: the first error rolls everything back.
        "--single-transaction",
        "--exit-on-error",
        # Objects belong to whoever restores (the owner role); grants in the backup are restored.
        "--no-owner",
        f"--dbname={settings_dict['NAME']}",
        str(dump),
    )
    try:
        _run_pg(command, settings_dict, "pg_restore")
    except BackupError as exc:
        hint = ""
        if "must be owner of" in str(exc):
            hint = f" Restore as the role that owns the database, not as {settings_dict.get('USER') or 'this role'}."
        raise BackupError(f"{exc}\nThe restore was rolled back: the database is as it was.{hint}") from None


def _swap_files(root: Path, staging: Path) -> None:
    """Replace the storage folder's contents by the staged ones: a few renames within one folder."""
    old = root / f"{WORK_PREFIX}replaced-{secrets.token_hex(4)}"
    old.mkdir(mode=0o700)
    for entry in list(root.iterdir()):
        if not entry.name.startswith(WORK_PREFIX):
            entry.rename(old / entry.name)
    for entry in list(staging.iterdir()):
        entry.rename(root / entry.name)
    staging.rmdir()
    shutil.rmtree(old)


def _check_counts(connection, manifest: dict) -> tuple[list[str], list[str]]:
    mismatches, warnings = [], []
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        for table, expected in sorted(manifest["tables"].items()):
            if table not in tables:
                mismatches.append(f"{table} is missing (the backup has {plural(expected, 'row')})")
                continue
            found = _count_rows(cursor, connection.ops.quote_name, [table])[table]
            if found != expected:
                mismatches.append(f"{table} has {plural(found, 'row')}, the backup has {expected:,}")
    extra = sorted(tables - manifest["tables"].keys())
    if extra:
        warnings.append(
            f"{plural(len(extra), 'table')} not in the backup were left as they were: {', '.join(extra)}. "
            "If a newer version of Involve made them, drop them before running involve migrate."
        )
    return mismatches, warnings


def _migration_warnings(manifest: dict) -> list[str]:
    from django.db.migrations.loader import MigrationLoader

    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations.keys()
    latest_known: dict[str, str] = {}
    for app, name in known:
        latest_known[app] = max(latest_known.get(app, ""), name)
    newer = [
        f"{app} {name}"
        for app, name in manifest["migrations"].items()
        if app in latest_known and (app, name) not in known and name > latest_known[app]
    ]
    if newer:
        return [
            f"The backup was made by Involve {manifest['involve_version']}, whose database has migrations this "
            f"version does not know ({', '.join(newer)}). Install Involve {manifest['involve_version']} or newer "
            "before serving it."
        ]
    return []


def verify_audit_log(*, using: str = "default") -> AuditCheck:
    """`involve audit verify` on the restored database (the audit app's own check of its hash chain)."""
    if "audit" not in get_commands():
        return AuditCheck(
            None,
            "The audit log was not checked: this version of Involve has no `involve audit verify` command.",
        )
    out = io.StringIO()
    options = {} if using == "default" else {"database": using}
    try:
        call_command("audit", "verify", stdout=out, stderr=out, **options)
    except CommandError as exc:
        return AuditCheck(False, f"involve audit verify failed: {exc}\n{out.getvalue()}".strip())
    except Exception as exc:  # noqa: BLE001  (a check that crashes has not passed; say so, do not hide the restore)
        return AuditCheck(False, f"involve audit verify could not check the log: {type(exc).__name__}: {exc}")
    return AuditCheck(True, out.getvalue().strip() or "involve audit verify passed.")


def held_text(held: Held, root: Path) -> str:
    """What a database and storage folder hold, in words: "2 accounts and 1,204 rows in 17 tables, and 3 files"."""
    text = f"{plural(held.people, 'account')} and {plural(held.rows, 'row')} in {plural(held.tables, 'table')}"
    return f"{text}, and {plural(held.files, 'uploaded file')} in {root}"


def refusal_to_replace(held: Held, manifest: dict, root: Path) -> str:
    return (
        f"This Involve already holds data: {held_text(held, root)}. Restoring the backup made on "
        f"{manifest['created_at']} would replace all of it, and anything written since that backup would be "
        "lost. Nothing was changed. To go ahead, run the command again with --replace."
    )


def restore_backup(path: Path | str, *, replace: bool = False, using: str = "default") -> RestoreReport:
    """Restore a backup over the database and the storage folder, all or nothing, then check the result."""
    started = time.monotonic()
    path = Path(path)
    connection = _connection(using)
    root = storage_root()
    with tempfile.TemporaryDirectory(prefix="involve-restore-") as work:
        manifest = _read_checked(path, Path(work))
        if manifest["vendor"] != connection.vendor:
            raise BackupError(
                f"{path} is a backup of a {_vendor_name(manifest['vendor'])} database, but this Involve uses "
                f"{_vendor_name(connection.vendor)} (DATABASE_URL). Nothing was changed. Restore it into an "
                f"Involve that uses {_vendor_name(manifest['vendor'])}."
            )
        held = data_held(using=using)
        if not held.empty and not replace:
            raise BackupError(refusal_to_replace(held, manifest, root))

        root.mkdir(parents=True, exist_ok=True)
        staging = root / f"{WORK_PREFIX}restore-{secrets.token_hex(4)}"
        staging.mkdir(mode=0o700)
        try:
            _stage_files(path, manifest, staging)
            dump = Path(work) / manifest["database"]["member"]
            if connection.vendor == "postgresql":
                _restore_postgresql(connection, dump)
            else:
                _restore_sqlite(connection, dump)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        try:
            _swap_files(root, staging)
        except OSError as exc:
            raise BackupError(
                f"The database was restored, but the uploaded files could not be put in place ({exc}). The files "
                f"from the backup are in {staging}, the ones they replace in {root}/{WORK_PREFIX}replaced-*: move "
                "them by hand."
            ) from None

    mismatches, warnings = _check_counts(connection, manifest)
    warnings += _migration_warnings(manifest)
    audit = verify_audit_log(using=using)
    return RestoreReport(
        path=path,
        manifest=manifest,
        replaced=held,
        files=len(manifest["files"]),
        count_mismatches=mismatches,
        audit=audit,
        seconds=time.monotonic() - started,
        warnings=warnings,
    )
