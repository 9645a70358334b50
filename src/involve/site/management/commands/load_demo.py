from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load the demo organisations, people and records (safe to run again: nothing is duplicated)."

    def handle(self, *args, **options):
        from django.conf import settings

        if settings.PRODUCTION:
            self.stderr.write("Refusing to load demo accounts with a known password in production.")
            return
        from involve.demo import load

        for email, description in load():
            self.stdout.write(f"{email:<44} {description}")
