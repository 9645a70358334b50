"""Print the security scorecard of a `make test` run: one column per database.

    python scripts/scorecard.py sqlite=FILE postgresql=FILE

Each FILE is the JSON a pytest run wrote (INVOLVE_SCORECARD_FILE, tests/scorecard.py); a missing
file (the run did not get that far) counts as nothing measured. Exits 1 if any row was not
measured or is off its target.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.scorecard import ROWS, on_target, table  # noqa: E402


def main(argv):
    columns = {}
    for arg in argv:
        name, _, path = arg.partition("=")
        file = Path(path)
        columns[name] = json.loads(file.read_text()) if file.exists() else {}
    print("Security scorecard (found of checked; ../shared/reference/security.md section 9)")
    for line in table(columns):
        print(line)
    bad = [row.label for row in ROWS for figures in columns.values() if not on_target(row, figures)]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
