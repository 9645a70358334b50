"""What the audit app does to the database after every `involve migrate` (a post_migrate handler).

- The chain head's one row exists (AuditChainHead), unless events exist without it: that is for
  `involve audit verify` to report, not for this to paper over.
- SQLite: the triggers that refuse UPDATE and DELETE on audit events are there. SQLite drops a table's
  triggers when a migration rebuilds the table, so they are put back every time.
- PostgreSQL with INVOLVE_DB_APP_ROLE set, when migrate runs as the owner: the application's role gets
  SELECT, INSERT, UPDATE and DELETE on every table, the sequences, and on the audit log only SELECT and
  INSERT (SELECT and UPDATE on the chain head). It owns nothing, so it cannot TRUNCATE the log, drop or
  disable its trigger, or change the grants. Re-run after every migrate, so new tables are covered.
"""

from django.conf import settings
from django.db import connections

SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
]


def grant_statements(schema: str, role: str) -> list[str]:
    """The GRANTs for the application's role; `schema` and `role` already quoted (quote_ident)."""
    return [
        f"GRANT USAGE ON SCHEMA {schema} TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        f"REVOKE ALL ON audit_auditevent FROM {role}",
        f"GRANT SELECT, INSERT ON audit_auditevent TO {role}",
        f"REVOKE ALL ON audit_auditchainhead FROM {role}",
        f"GRANT SELECT, UPDATE ON audit_auditchainhead TO {role}",
    ]


def after_migrate(using="default", **kwargs):
    from ..models import AuditChainHead, AuditEvent

    connection = connections[using]
    tables = {AuditEvent._meta.db_table, AuditChainHead._meta.db_table}
    if not tables <= set(connection.introspection.table_names()):
        return  # migrated back to before the chain (or before the audit app)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for sql in SQLITE_TRIGGERS:
                cursor.execute(sql)
    # flush sends post_migrate too, without a plan: its tables are the same, so are their grants.
    if connection.vendor == "postgresql" and settings.DB_APP_ROLE and "plan" in kwargs:
        _grant(connection, settings.DB_APP_ROLE)
    heads = AuditChainHead.objects.using(using)
    if not heads.exists() and not AuditEvent.objects.using(using).exists():
        heads.get_or_create(pk=AuditChainHead.ONLY)


def _grant(connection, role):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user = %s, quote_ident(current_schema()), quote_ident(%s)", [role, role])
        is_app, schema, quoted_role = cursor.fetchone()
        if is_app:
            return  # the application itself running migrate with nothing to apply: it may grant nothing
        for sql in grant_statements(schema, quoted_role):
            cursor.execute(sql)


def lift_sqlite_triggers(connection):
    """For `involve flush` only: SQLite empties a table with DELETE, which the triggers refuse."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        cursor.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")


def restore_sqlite_triggers(connection):
    with connection.cursor() as cursor:
        for sql in SQLITE_TRIGGERS:
            cursor.execute(sql)
