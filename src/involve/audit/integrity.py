"""Checking the audit log's hash chain: `involve audit verify`, and the service behind it.

Each event carries seq (1, 2, 3, …), the previous event's hash and its own (models.event_hash), and the
chain head holds the newest seq and hash. Reading the events in seq order, verify() finds:

- an event whose stored fields changed (its hash no longer matches what it holds);
- a deleted event (a gap in seq, and the next event's previous hash points at nothing);
- an event added out of order, or events reordered (a previous hash that does not match, a seq out of
  place, or ids that do not rise with seq);
- lost newest events or an emptied log (the chain head is ahead of the last event, or missing);
- events added around record() (after the chain head).

It cannot tell a log that someone with the owner's rights rewrote from start to end, chain head and
all; keep the chain head's hash somewhere else (the summary prints it whole) to catch that.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connections, transaction

from .models import GENESIS, AuditChainHead, AuditEvent, event_hash


@dataclass(frozen=True)
class Problem:
    event_id: int | None  # None: about the log as a whole (the chain head)
    message: str

    def __str__(self):
        return f"Event {self.event_id}: {self.message}" if self.event_id is not None else self.message


@dataclass
class Result:
    events: int = 0
    head_seq: int | None = None
    head_hash: str = ""
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.ok:
            return f"Audit log intact: {self.events:,} events, chain head {self.head_seq} (hash {self.head_hash})"
        count = len(self.problems)
        return f"Audit log broken: {count:,} problem{'s' if count != 1 else ''} in {self.events:,} events"


def verify(using="default", chunk_size=2000) -> Result:
    """Read the whole log in seq order and check every link, then the chain head."""
    result = Result()
    with _one_snapshot(connections[using]):
        head = AuditChainHead.objects.using(using).filter(pk=AuditChainHead.ONLY).first()
        expected, prev_hash, last_id, last = 1, GENESIS, None, None
        for event in AuditEvent.objects.using(using).order_by("seq", "id").iterator(chunk_size=chunk_size):
            result.events += 1
            wrong = _wrong_with(event, expected, prev_hash, last_id)
            if wrong:
                result.problems.append(Problem(event.pk, "; ".join(wrong)))
            expected, prev_hash, last_id, last = event.seq + 1, event.hash, event.pk, event
        _check_head(head, last, result)
    return result


def _wrong_with(event, expected, prev_hash, last_id) -> list[str]:
    wrong = []
    if event.seq > expected:
        missing = f"{expected:,}" if event.seq == expected + 1 else f"{expected:,} to {event.seq - 1:,}"
        wrong.append(f"the events before it are missing (sequence number {missing})")
    elif event.seq < expected:
        wrong.append(f"its sequence number {event.seq:,} is out of place (expected {expected:,})")
    if event.prev_hash != prev_hash:
        wrong.append("it does not follow the event before it (the previous hash it holds does not match)")
    if event.hash != event_hash(event):
        wrong.append("what it holds has changed since it was written (its hash does not match)")
    if last_id is not None and event.pk < last_id:
        wrong.append(f"it is out of order: its id is lower than that of the event before it ({last_id})")
    return wrong


@contextmanager
def _one_snapshot(connection):
    """Read the chain head and the events as of one moment, so that events written while verify reads
    are not taken for tampering. Inside a caller's transaction, that transaction's view is used."""
    if connection.in_atomic_block:
        yield
    elif connection.vendor == "postgresql":
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    elif connection.vendor == "sqlite":
        # A deferred transaction reads one snapshot (WAL) without taking the write lock, which
        # transaction.atomic() would (transaction_mode IMMEDIATE) and so hold up every writer.
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
    else:
        yield


def _check_head(head, last, result):
    add = result.problems.append
    if head is None:
        if last is not None:
            add(Problem(None, "The chain head is missing, so lost newest events could not be seen"))
        result.head_seq, result.head_hash = 0, GENESIS
        return
    result.head_seq, result.head_hash = head.seq, head.hash
    last_seq = last.seq if last is not None else 0
    if head.seq > last_seq:
        if last is None:
            add(Problem(None, f"The log is empty but the chain head is at {head.seq:,}: every event has been removed"))
        else:
            add(
                Problem(
                    None,
                    f"The newest events are missing: the chain head is at {head.seq:,}, "
                    f"the log ends at {last_seq:,} (event {last.pk})",
                )
            )
    elif head.seq < last_seq:
        add(Problem(last.pk, f"it is after the chain head ({head.seq:,}): it was added without moving the head"))
    elif last is None:
        if head.hash != GENESIS:
            add(Problem(None, "The log is empty but the chain head holds the hash of an event"))
    elif head.hash != last.hash:
        add(Problem(last.pk, "its hash does not match the chain head's"))
