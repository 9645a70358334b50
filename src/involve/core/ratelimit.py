"""Counting events per time window in the database, shared by every worker and every machine.

One statement per count: an INSERT … ON CONFLICT DO UPDATE … RETURNING, atomic on PostgreSQL and
SQLite alike, where Django's database cache needs four (add, get, set and its own cull) and can lose
counts between them. Old windows are deleted now and then by whoever counts. Keys (which name network
addresses) are stored as a keyed hash, so the table never holds an address.
"""

import hashlib
import random
import time

from django.conf import settings
from django.db import connection

from .models import RateCounter

# About one count in this many also deletes windows that have ended.
CLEAN_EVERY = 500


def _digest(key: str) -> str:
    return hashlib.blake2b(key.encode(), key=settings.SECRET_KEY.encode()[:64], digest_size=20).hexdigest()


def hit(key: str, limit: int, window: int = 60) -> bool:
    """Count one event for `key` in the current window; True while the count is within `limit`
    (a limit of 0 or less means no limit, and nothing is counted)."""
    if limit <= 0:
        return True
    now = int(time.time()) // window
    q = connection.ops.quote_name  # "window" and "key" are SQL keywords
    table, key_col, window_col, count_col = (q(n) for n in (RateCounter._meta.db_table, "key", "window", "count"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_col}, {window_col}, {count_col}) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT ({key_col}, {window_col}) DO UPDATE SET {count_col} = {table}.{count_col} + 1 "
            f"RETURNING {count_col}",
            [_digest(key), now],
        )
        (count,) = cursor.fetchone()
        if random.randrange(CLEAN_EVERY) == 0:  # noqa: S311 (when to tidy, not a secret)
            cursor.execute(f"DELETE FROM {table} WHERE {window_col} < %s", [now - 1])  # noqa: S608
    return count <= limit
