"""`involve equality_load_sample`: load the sample postcode and deprivation lookups shipped in
equality/fixtures/ (made-up postcodes, for the demo and tests; see the app's README)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from involve.equality import lookups

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
POSTCODES = FIXTURES / "sample_postcodes.csv"
DEPRIVATION = FIXTURES / "sample_imd2019.csv"


def load_sample():
    return lookups.load(by=None, postcodes=POSTCODES.read_bytes(), deprivation=DEPRIVATION.read_bytes())


class Command(BaseCommand):
    help = "Load the sample postcode → LSOA → IMD 2019 decile lookup (made-up postcodes, for demos and tests)."

    def handle(self, *args, **options):
        try:
            result = load_sample()
        except lookups.LookupInvalid as exc:
            raise CommandError(f"The sample lookup has problems: {exc.problems}") from None
        postcodes, deprivation = result["postcodes"], result["deprivation"]
        self.stdout.write(
            f"Sample lookups loaded: {postcodes.rows} postcodes ({postcodes.new} new), "
            f"{deprivation.rows} areas ({deprivation.new} new)."
        )
