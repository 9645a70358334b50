#!/usr/bin/env bash
# Runs one benchmark from benchmarks/ against a throwaway PostgreSQL server, then removes it.
#
#   scripts/benchmark.sh engagement_lists [its options]
#   scripts/benchmark.sh import_fft --rows 100000   (one million FFT rows without --rows)
#   scripts/benchmark.sh insight [--repeats 3]      (benchmarks/insight/run.py against pxtextmining;
#                                                    no database: builds the anchor's venv, then runs)
#
# Needs what `make test` installs (the virtualenv, Debian's postgresql package).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/.venv/bin
NAME=${1:?usage: scripts/benchmark.sh NAME [options], NAME one of: $(ls benchmarks | sed -n 's/\.py$//p' | xargs) insight}
shift
if [[ $NAME == insight ]]; then
  benchmarks/insight/setup_anchor.sh
  exec "$BIN/python" benchmarks/insight/run.py "$@"
fi
[[ -f benchmarks/$NAME.py ]] || { echo "No benchmarks/$NAME.py" >&2; exit 2; }

WORK=$(mktemp -d)
chmod 711 "$WORK"
source "$ROOT/scripts/postgres.sh"
trap 'stop_postgres; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

while IFS= read -r var; do unset "$var"; done < <(compgen -e | grep -E '^(INVOLVE_|DATABASE_URL$|DJANGO_)')
export INVOLVE_DATA_DIR=$WORK/data
start_postgres
"$BIN/python" "benchmarks/$NAME.py" "$@"
