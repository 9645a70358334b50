from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS


class Command(BaseCommand):
    help = (
        "Back up the database and the uploaded files into one file (a tar holding a manifest with the "
        "checksum of everything in it). By default a timestamped file in the data folder's backups/."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", help="the file to write, or a folder to write a timestamped file in")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="the database to back up (default: default)")

    def handle(self, *args, output=None, database=DEFAULT_DB_ALIAS, **options):
        from involve.core import backup

        try:
            report = backup.create_backup(output, using=database)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        for warning in report.warnings:
            self.stderr.write(f"Warning: {warning}")
        files = backup.plural(report.files, "uploaded file")
        self.stdout.write(
            f"Wrote {report.path} ({backup.size_text(report.size)}): the {backup.VENDOR_NAMES[report.vendor]} "
            f"database ({report.rows:,} rows in {len(report.tables)} tables) and {files} "
            f"({backup.size_text(report.file_bytes)}), in {report.seconds:.1f} s."
        )
