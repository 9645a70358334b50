from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS


class Command(BaseCommand):
    help = (
        "Restore a backup made by `involve backup`: the database and the uploaded files, all or nothing. "
        "Refuses a damaged backup, a backup of the other database vendor, and a database that holds data "
        "unless --replace is given. Afterwards compares every table's rows with the backup and runs "
        "`involve audit verify`. Stop Involve (web server and workers) first."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup file")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="replace a database that already holds data (everything written since the backup is lost)",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="the database to restore into")

    def handle(self, *args, path, replace=False, database=DEFAULT_DB_ALIAS, **options):
        from involve.core import backup

        try:
            report = backup.restore_backup(path, replace=replace, using=database)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        manifest = report.manifest
        hours = report.backup_age.total_seconds() / 3600
        self.stdout.write(
            f"Restored {report.path}, made on {manifest['created_at']} ({hours:.1f} hours ago) by Involve "
            f"{manifest['involve_version']}: "
            f"{report.rows:,} rows in {report.tables} tables and {backup.plural(report.files, 'uploaded file')}, "
            f"in {report.seconds:.1f} s."
        )
        if not report.replaced.empty:
            self.stdout.write(f"It replaced {backup.held_text(report.replaced, backup.storage_root())}.")
        for warning in report.warnings:
            self.stderr.write(f"Warning: {warning}")
        if report.count_mismatches:
            raise CommandError(
                "The restored database does not match the backup's manifest:\n  " + "\n  ".join(report.count_mismatches)
            )
        self.stdout.write(f"Every table has the rows the backup recorded ({report.tables} tables).")
        if report.audit.ok is None:
            self.stderr.write(f"Warning: {report.audit.message}")
        elif not report.audit.ok:
            raise CommandError(report.audit.message)
        else:
            self.stdout.write(report.audit.message)
