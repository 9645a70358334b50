from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Erase one person's personal data: without --confirm, only report what would change. The account "
        "(by --email) is anonymised, not deleted; the audit log is kept unchanged and records the erasure."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", help="the person's account email address (refused if no account has it)")
        parser.add_argument("--name", help="the person's full name, as it may appear in free text")
        parser.add_argument("--confirm", action="store_true", help="make the changes (otherwise a dry run)")
        parser.add_argument("--by", help="email address of the administrator carrying out the request")

    def handle(self, *args, email=None, name=None, confirm=False, by=None, **options):
        from django.contrib.auth import get_user_model

        from involve.site import privacy

        try:
            person = privacy.find_person(email=email, name=name, require_account=True)
        except privacy.PersonNotFound as error:
            raise CommandError(str(error)) from error
        actor = None
        if by:
            actor = get_user_model()._base_manager.filter(email__iexact=by.strip()).first()
            if actor is None:
                raise CommandError(f"No account has the email address {by} (--by); nothing was changed")
            if person.user is not None and actor.pk == person.user.pk:
                raise CommandError("A person cannot carry out their own erasure (--by); nothing was changed")
        report = privacy.erase(person, confirm=confirm, by=actor)
        for line in report.lines():
            self.stdout.write(line)
        if not confirm:
            self.stdout.write("Dry run: nothing was changed. Run again with --confirm to erase.")
