"""Django's flush, which also empties the audit log on SQLite.

Flush removes every row of every table: a fresh start, and what the tests do between transactional
tests. PostgreSQL empties tables with TRUNCATE, which the owner (who runs flush) may do and the
application's role may not. SQLite uses DELETE, which the audit log's triggers refuse, so they are
lifted for the flush and put back after it.
"""

from django.core.management.commands import flush
from django.db import connections

from .. import lift_sqlite_triggers, restore_sqlite_triggers


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "sqlite" or "audit_auditevent" not in connection.introspection.table_names():
            return super().handle(**options)
        lift_sqlite_triggers(connection)
        try:
            return super().handle(**options)
        finally:
            restore_sqlite_triggers(connection)
