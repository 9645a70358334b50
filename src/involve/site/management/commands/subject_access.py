from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Write everything Involve holds about one person (subject access request) to a JSON file: "
        "an account by --email, and/or a person who does not sign in by --name (their full name)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", help="the person's email address (their account, if they have one)")
        parser.add_argument("--name", help="the person's full name, as it may appear in free text")
        parser.add_argument("--out", required=True, help="the JSON file to write")

    def handle(self, *args, email=None, name=None, out=None, **options):
        from involve.site import privacy

        try:
            person = privacy.find_person(email=email, name=name)
        except privacy.PersonNotFound as error:
            raise CommandError(str(error)) from error
        if email and person.user is None:
            self.stderr.write(f"No account has {email}: searching for the address in records only.")
        data = privacy.write_subject_access(person, out)
        total = sum(len(rows) for rows in data["records"].values())
        self.stdout.write(f"Wrote {total} records about {person.describe()} to {out}")
        for label, rows in sorted(data["records"].items()):
            self.stdout.write(f"  {label}: {len(rows)}")
