"""The audit log survives its own application: the hash chain and `involve audit verify`, the database
refusing changes on both databases, the ORM's side doors closed, and on PostgreSQL the application's role
that may only read and insert audit events (security.md §6, ASVS 16.4.2).

Tampering needs the owner's power, which the test connection has: the tests lift the append-only
triggers (as the owner may) and rewrite rows with SQL, then check that verify names what changed.
"""

import contextlib
import datetime
import io
import os
import subprocess
import sys
import threading

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from involve.audit import integrity, registry
from involve.audit import services as audit
from involve.audit.management import after_migrate
from involve.audit.models import GENESIS, HASHED_FIELDS, AuditChainHead, AuditEvent, event_hash
from involve.organisations.models import Organisation

from ..factories import make_organisation

pytestmark = pytest.mark.django_db

ACTIONS = {"test.integrity": "tested the integrity of", "test.forged": "forged"}
POSTGRESQL = connection.vendor == "postgresql"
EVENTS = 5


@pytest.fixture(autouse=True)
def _test_actions():
    registry.register_actions(ACTIONS)
    yield
    registry.unregister_actions(ACTIONS)


def _record(n=EVENTS):
    return [
        audit.record(action="test.integrity", organisation=None, old={"n": i}, new={"n": i + 1, "x": [1.5, "é"]})
        for i in range(n)
    ]


def _sql(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@contextlib.contextmanager
def _triggers_lifted():
    """What an owner (or anyone who can write the SQLite file) can do: switch off the append-only triggers."""
    if POSTGRESQL:
        _sql("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
    else:
        _sql("DROP TRIGGER audit_event_no_update")
        _sql("DROP TRIGGER audit_event_no_delete")
    try:
        yield
    finally:
        if POSTGRESQL:
            _sql("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
        else:
            after_migrate(using=connection.alias)


def _ids(events):
    return [e.pk for e in events]


# --- Tampering: each kind is found, and verify names the event -----------------------------------


def change_a_field(events):
    _sql("UPDATE audit_auditevent SET action = 'test.forged' WHERE id = %s", [events[2].pk])
    return events[2].pk


def change_a_json_value(events):
    _sql("UPDATE audit_auditevent SET new = %s WHERE id = %s", ['{"n": 99, "x": [1.5, "é"]}', events[1].pk])
    return events[1].pk


def move_a_time_by_a_microsecond(events):
    moved = events[3].created_at + datetime.timedelta(microseconds=1)
    _sql("UPDATE audit_auditevent SET created_at = %s WHERE id = %s", [moved, events[3].pk])
    return events[3].pk


def delete_one_in_the_middle(events):
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [events[2].pk])
    return events[3].pk  # the next one finds its predecessor gone


def delete_the_newest(events):
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].pk])
    return None  # the chain head is ahead of the log


def change_the_chain_head(events):
    _sql("UPDATE audit_auditchainhead SET hash = %s", [events[-2].hash])
    return events[-1].pk


def truncate_everything(events):
    if POSTGRESQL:
        _sql("TRUNCATE audit_auditevent")  # no row trigger fires: only the app role's grants stop this
    else:
        _sql("DELETE FROM audit_auditevent")
    return None


def delete_the_chain_head(events):
    _sql("DELETE FROM audit_auditchainhead")
    return None


def _forge(seq, prev_hash, created_at, **fields):
    """An event built as save() would build it, with a valid hash of its own, inserted with SQL."""
    forged = AuditEvent(action="test.forged", seq=seq, prev_hash=prev_hash, created_at=created_at, **fields)
    forged.hash = event_hash(forged)
    _sql(
        "INSERT INTO audit_auditevent (created_at, actor_id, actor_label, actor_name, organisation_id, action, "
        "target_type, target_id, target_label, old, new, labels, seq, prev_hash, hash) "
        "VALUES (%s, NULL, '', '', NULL, %s, '', '', '', '{}', '{}', '{}', %s, %s, %s)",
        [forged.created_at, forged.action, forged.seq, forged.prev_hash, forged.hash],
    )
    return AuditEvent.objects.get(seq=seq).pk


def insert_a_forged_event_in_the_middle(events):
    # Make room after the second event, and slip a well-formed event in there.
    for event in reversed(events[2:]):
        _sql("UPDATE audit_auditevent SET seq = %s WHERE id = %s", [event.seq + 1, event.pk])
    _forge(3, events[1].hash, events[1].created_at + datetime.timedelta(seconds=1))
    _sql("UPDATE audit_auditchainhead SET seq = seq + 1")
    return events[2].pk


def append_a_forged_event_that_claims_an_earlier_place(events):
    # After the newest, moving the head too (the app role may), but chained to the second event.
    forged = _forge(len(events) + 1, events[1].hash, events[1].created_at)
    head = AuditEvent.objects.get(pk=forged)
    _sql("UPDATE audit_auditchainhead SET seq = %s, hash = %s", [head.seq, head.hash])
    return forged


def append_an_event_around_record(events):
    # Well chained to the newest, but written without moving the chain head.
    return _forge(len(events) + 1, events[-1].hash, events[-1].created_at)


def reorder_two_events(events):
    # The rows keep their contents and chain fields, but swap ids: read in chain order, ids go backwards.
    first, second = events[1].pk, events[3].pk
    spare = max(_ids(events)) + 1000
    _sql("UPDATE audit_auditevent SET id = %s WHERE id = %s", [spare, first])
    _sql("UPDATE audit_auditevent SET id = %s WHERE id = %s", [first, second])
    _sql("UPDATE audit_auditevent SET id = %s WHERE id = %s", [second, spare])
    return first


def swap_the_times_of_two_events(events):
    a, b = events[1], events[2]
    _sql("UPDATE audit_auditevent SET created_at = %s WHERE id = %s", [b.created_at, a.pk])
    _sql("UPDATE audit_auditevent SET created_at = %s WHERE id = %s", [a.created_at, b.pk])
    return a.pk


TAMPERING = [
    change_a_field,
    change_a_json_value,
    move_a_time_by_a_microsecond,
    delete_one_in_the_middle,
    delete_the_newest,
    change_the_chain_head,
    truncate_everything,
    delete_the_chain_head,
    insert_a_forged_event_in_the_middle,
    append_a_forged_event_that_claims_an_earlier_place,
    append_an_event_around_record,
    reorder_two_events,
    swap_the_times_of_two_events,
]


@pytest.mark.parametrize("tamper", TAMPERING, ids=lambda f: f.__name__)
def test_verify_finds_tampering(tamper, scorecard):
    events = _record()
    assert integrity.verify().ok
    with _triggers_lifted():
        named = tamper(events)
    result = integrity.verify()
    scorecard.add(scorecard.AUDIT_VERIFY, found=int(result.ok), checked=1)
    assert not result.ok
    if named is not None:
        assert named in [p.event_id for p in result.problems], result.problems
    with pytest.raises(CommandError, match="Audit log broken"):
        call_command("audit", "verify", stdout=io.StringIO(), stderr=io.StringIO())


def test_an_untouched_log_verifies_clean(scorecard):
    before = integrity.verify()
    _record()
    after = integrity.verify()
    scorecard.add(scorecard.AUDIT_VERIFY, found=int(not before.ok) + int(not after.ok), checked=2)
    assert before.ok and before.events == 0
    assert after.ok and after.events == EVENTS and after.head_seq == EVENTS
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert out.getvalue().startswith(f"Audit log intact: {EVENTS} events, chain head {EVENTS} (")


def test_verify_says_what_is_wrong_in_plain_words():
    events = _record()
    with _triggers_lifted():
        change_a_field(events)
        delete_the_newest(events)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("audit", "verify", stdout=out, stderr=err)
    assert str(raised.value) == "Audit log broken: 2 problems in 4 events"
    assert err.getvalue().splitlines() == [
        f"Event {events[2].pk}: what it holds has changed since it was written (its hash does not match)",
        f"The newest events are missing: the chain head is at 5, the log ends at 4 (event {events[3].pk})",
    ]


def test_a_large_log_verifies_in_chunks():
    _record(30)
    result = integrity.verify(chunk_size=7)
    assert result.ok and result.events == 30


# --- Every way of creating an event joins the chain -----------------------------------------------


def test_every_creation_path_is_chained():
    audit.record(action="test.integrity")
    AuditEvent.objects.create(action="test.integrity", new={"via": "create"})
    AuditEvent(action="test.integrity", new={"via": "save"}).save()
    AuditEvent.objects.get_or_create(action="test.integrity", target_id="9")
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert [e.prev_hash for e in events] == [GENESIS] + [e.hash for e in events[:-1]]
    assert integrity.verify().ok
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (4, events[-1].hash)


def test_a_given_time_is_replaced_by_the_time_of_writing():
    # As auto_now_add did: what the chain holds is when the event joined it.
    long_ago = datetime.datetime(2001, 1, 1, tzinfo=datetime.UTC)
    event = AuditEvent.objects.create(action="test.integrity", created_at=long_ago)
    assert event.created_at > long_ago
    assert integrity.verify().ok


def test_every_stored_field_is_hashed_or_is_the_chain_itself():
    # A new field must be added to HASHED_FIELDS (a new version of the hash) or be left out on purpose.
    stored = {f.name for f in AuditEvent._meta.concrete_fields}
    assert stored == set(HASHED_FIELDS) | {"id", "seq", "prev_hash", "hash"}


# What both databases store: PostgreSQL refuses NUL in text and in jsonb.
STORABLE = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(STORABLE, max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(STORABLE, max_size=8),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)
TEXT = st.text(STORABLE, max_size=60)


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    old=st.dictionaries(st.text(STORABLE, max_size=5), JSON, max_size=4),
    new=JSON,
    label=TEXT,
    actor=st.none() | st.integers(1, 2**62),
)
# Numbers that jsonb prints otherwise than Python wrote them (1e+16 comes back as 10000000000000000).
@example(old={}, new=[1e16, 1e100, 5e-324, -0.0, 1.0, 2**64, 0.1], label="é ✓", actor=None)
def test_the_hash_of_what_is_read_back_is_the_hash_that_was_written(old, new, label, actor):
    # JSON numbers, unicode and times come back from either database as values that hash the same.
    event = AuditEvent.objects.create(
        action="test.integrity", old=old, new={"value": new}, target_label=label[:255], actor_id=actor
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert event_hash(stored) == event.hash


# --- The ORM's side doors are shut ---------------------------------------------------------------


def test_the_base_manager_refuses_changes_and_deletions():
    event = _record(1)[0]
    with pytest.raises(PermissionDenied):
        AuditEvent._base_manager.filter(pk=event.pk).update(action="test.forged")
    with pytest.raises(PermissionDenied):
        AuditEvent._base_manager.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.integrity"


def test_bulk_create_is_refused_even_to_update_conflicts():
    event = _record(1)[0]
    rewritten = AuditEvent(pk=event.pk, action="test.forged", seq=event.seq, prev_hash=GENESIS, hash="0")
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.bulk_create(
            [rewritten], update_conflicts=True, unique_fields=["id"], update_fields=["action"]
        )
    with pytest.raises(PermissionDenied):  # a plain one would skip the chain
        AuditEvent.objects.bulk_create([AuditEvent(action="test.forged", seq=2, prev_hash=GENESIS, hash="0")])
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.bulk_update([rewritten], ["action"])
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["test.integrity"]


def test_raw_delete_is_refused():
    event = _record(1)[0]
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.filter(pk=event.pk)._raw_delete(connection.alias)
    with pytest.raises(PermissionDenied):
        AuditEvent._base_manager.all()._raw_delete(connection.alias)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


# --- The database refuses, on both ---------------------------------------------------------------


@pytest.mark.parametrize(
    "sql", ["UPDATE audit_auditevent SET action = 'x' WHERE id = %s", "DELETE FROM audit_auditevent WHERE id = %s"]
)
def test_the_database_refuses_updates_and_deletes(sql):
    event = _record(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _sql(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, action="test.integrity").exists()


@pytest.mark.skipif(POSTGRESQL, reason="SQLite only: PostgreSQL keeps triggers when it alters a table")
def test_migrate_puts_back_sqlite_triggers_that_a_table_rebuild_dropped():
    event = _record(1)[0]
    _sql("DROP TRIGGER audit_event_no_update")  # as SQLite's table rebuild does, when a migration alters it
    after_migrate(using=connection.alias)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _sql("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", [event.pk])


@pytest.mark.django_db(transaction=True)
def test_flush_still_empties_the_log_and_leaves_the_triggers():
    _record(2)
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    assert AuditChainHead.objects.get().seq == 0  # post_migrate starts a new chain
    event = _record(1)[0]
    assert event.seq == 1
    with pytest.raises(DatabaseError, match="append-only"):
        _sql("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])


# --- Concurrent writers cannot fork the chain (PostgreSQL) ----------------------------------------

WRITERS, EACH = 8, 10


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_one_intact_chain(scorecard):
    if not POSTGRESQL:
        pytest.skip("SQLite runs one write transaction at a time (BEGIN IMMEDIATE)")
    barrier = threading.Barrier(WRITERS)
    failures = []

    def write(n):
        try:
            barrier.wait(timeout=10)
            for i in range(EACH):
                with transaction.atomic():
                    audit.record(action="test.integrity", new={"writer": n, "i": i})
        except Exception as exc:
            failures.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    result = integrity.verify()
    scorecard.add(scorecard.AUDIT_VERIFY, found=int(not result.ok) + len(failures), checked=1)
    assert failures == []
    assert result.ok, result.problems
    assert result.events == result.head_seq == WRITERS * EACH


# --- The chain for events written before it ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_chains_existing_events_in_id_order():
    call_command("migrate", "audit", "0003", verbosity=0)
    try:
        for day in (3, 1, 2):  # ids in one order, times in another: the chain follows the ids
            _sql(
                "INSERT INTO audit_auditevent (created_at, actor_id, actor_label, actor_name, organisation_id, "
                "action, target_type, target_id, target_label, old, new, labels) "
                "VALUES (%s, 7, 'a@example.nhs.uk', 'A', 1, 'old.action', 'x.y', '1', 'T', %s, '{}', '{}')",
                [datetime.datetime(2026, 1, day, 9, 30, 0, 123456, tzinfo=datetime.UTC), '{"n": 1e20, "é": [1.0]}'],
            )
    finally:
        call_command("migrate", "audit", verbosity=0)
    events = list(AuditEvent.objects.order_by("id"))
    assert [e.seq for e in events] == [1, 2, 3]
    result = integrity.verify()
    assert result.ok, result.problems
    assert result.head_seq == 3 and result.head_hash == events[-1].hash
    assert audit.record(action="test.integrity").seq == 4
    assert integrity.verify().ok


# --- PostgreSQL: the application's role may only read and insert audit events ---------------------

needs_app_role = pytest.mark.skipif(
    not (POSTGRESQL and settings.DB_APP_ROLE),
    reason="PostgreSQL with INVOLVE_DB_APP_ROLE (scripts/postgres.sh sets it)",
)


@contextlib.contextmanager
def _as_app_role():
    with connection.cursor() as cursor:
        cursor.execute("SELECT quote_ident(%s)", [settings.DB_APP_ROLE])
        cursor.execute(f"SET ROLE {cursor.fetchone()[0]}")
    try:
        yield
    finally:
        _sql("RESET ROLE")


def _refused(sql, params=None):
    try:
        with transaction.atomic():
            _sql(sql, params)
    except DatabaseError as exc:
        return str(exc).splitlines()[0]
    return None


APP_ROLE_REFUSED = [
    "UPDATE audit_auditevent SET action = 'x' WHERE id = %s",
    "DELETE FROM audit_auditevent WHERE id = %s",
    "TRUNCATE audit_auditevent",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only",
    "DROP TRIGGER audit_event_append_only ON audit_auditevent",
    "DROP TABLE audit_auditevent",
    "ALTER TABLE audit_auditevent DROP CONSTRAINT audit_auditevent_seq_key",
    "DELETE FROM audit_auditchainhead",
    "TRUNCATE audit_auditchainhead",
]


@needs_app_role
def test_the_app_role_may_only_read_and_insert_audit_events():
    event = _record(1)[0]
    with _as_app_role():
        _sql("SELECT current_user")
        refused = {sql: _refused(sql, [event.pk] if "%s" in sql else None) for sql in APP_ROLE_REFUSED}
        # What Involve does as it runs: record events (insert, move the head), read them, write other tables.
        added = audit.record(action="test.integrity")
        assert integrity.verify().ok
        organisation = make_organisation("Written by the app role")
        _sql("UPDATE audit_auditchainhead SET seq = seq")
    assert {sql: why for sql, why in refused.items() if why is None} == {}
    assert all("permission denied" in why or "must be owner" in why for why in refused.values()), refused
    assert added.seq == 2 and Organisation.objects.filter(pk=organisation.pk).exists()
    assert AuditEvent.objects.filter(pk=event.pk, action="test.integrity").exists()


@needs_app_role
@pytest.mark.django_db(transaction=True)
def test_involve_runs_as_the_app_role_but_cannot_flush(tmp_path):
    _record(3)
    db = connection.settings_dict
    url = f"postgres://{settings.DB_APP_ROLE}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "INVOLVE_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": url,
        "INVOLVE_DB_APP_ROLE": settings.DB_APP_ROLE,
    }

    def involve(*args):
        return subprocess.run(
            [sys.executable, "-m", "involve.cli", *args], env=env, capture_output=True, text=True, timeout=120
        )

    migrate = involve("migrate", "--no-input")  # what `involve serve` does first: nothing to apply
    assert migrate.returncode == 0, migrate.stderr
    verify = involve("audit", "verify")
    assert verify.returncode == 0, verify.stderr
    assert verify.stdout.startswith("Audit log intact: 3 events, chain head 3")
    flush = involve("flush", "--no-input")
    assert flush.returncode != 0 and "couldn't be flushed" in flush.stderr  # TRUNCATE: permission denied
    assert AuditEvent.objects.count() == 3
