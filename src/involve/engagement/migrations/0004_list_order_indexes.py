"""Indexes in the decision and activity lists' default order (newest first), on PostgreSQL only.

With a region or the country in scope, PostgreSQL walks them and stops at the end of the page instead
of sorting every record (docs/benchmarks.md). They must match the lists' ORDER BY exactly, NULLS LAST
included, which SQLite cannot express in an index; SQLite databases are small enough to sort.
"""

from django.db import migrations

INDEXES = {
    "decision_date_order": (
        "engagement_decision",
        "(COALESCE(actual_date, planned_date)) DESC NULLS LAST, id",
    ),
    "activity_start_order": ("engagement_activity", "starts_on DESC NULLS LAST, id"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, (table, columns) in INDEXES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("engagement", "0003_decision_involvement_facts")]

    operations = [migrations.RunPython(create, drop)]
