"""`involve audit verify`: check that the audit log is whole and unchanged (integrity.py).

Prints one line when it is, or each problem with the event's id, and then fails (exit status 1, or
CommandError for call_command), so a restore drill or a scheduled job can rely on it.
"""

from django.core.management.base import BaseCommand, CommandError

from ... import integrity


class Command(BaseCommand):
    help = "Audit log tools. verify: check the hash chain of the audit log and its chain head."

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="the database to check (default: default)")
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="verify")
        commands.add_parser("verify", help="check every event's hash and link, and the chain head")

    def handle(self, *args, subcommand, database, **options):
        result = integrity.verify(using=database)
        if result.ok:
            self.stdout.write(result.summary())
            return
        for problem in result.problems:
            self.stderr.write(str(problem))
        raise CommandError(result.summary())
