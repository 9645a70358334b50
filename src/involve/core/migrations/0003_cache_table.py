"""Create the database cache table (login-failure counts for lockout) as part of `migrate`.

`involve serve` and `involve demo` also run createcachetable, but a deployment that runs only
`involve migrate` must not end up with a lockout that fails on a missing table.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
