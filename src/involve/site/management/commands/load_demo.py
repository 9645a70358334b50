from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Load the demo organisations, people and records (safe to run again: nothing is duplicated)."

    def handle(self, *args, **options):
        from django.conf import settings

        if settings.PRODUCTION:
            # Non-zero, so a deployment script that runs it by mistake stops instead of carrying on.
            raise CommandError("Refusing to load demo accounts with a known password in production.")
        from involve.demo import load

        for email, description in load():
            self.stdout.write(f"{email:<44} {description}")
