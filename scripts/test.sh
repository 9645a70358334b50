#!/usr/bin/env bash
# The body of `make test`: lint, migration check, the whole suite on SQLite and, at the same time,
# on a throwaway PostgreSQL server. Runs unattended on a fresh Debian 12 machine (as root, or with sudo).
#
#   scripts/test.sh           everything
#   scripts/test.sh --quick   skip the PostgreSQL run (local iteration)
#
# Every stage runs even when an earlier one fails, so one run shows everything that is wrong;
# the exit status is non-zero if any stage failed.
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/.venv/bin
QUICK=0
case "${1:-}" in
  --quick) QUICK=1 ;;
  "") ;;
  *) echo "usage: scripts/test.sh [--quick]" >&2; exit 2 ;;
esac

if [[ ! -x $BIN/pytest ]]; then
  echo "No virtualenv with the test dependencies in .venv: run 'make test' instead." >&2
  exit 2
fi

# --- Debian packages the tests need (browser tests, PostgreSQL, uploads, PDFs) -------------------
PACKAGES=(chromium postgresql libmagic1 poppler-utils libpango-1.0-0 libpangoft2-1.0-0
          libharfbuzz-subset0 fonts-liberation fonts-dejavu-core)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO=sudo
  echo "Installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq || exit 1
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || exit 1
fi

# --- A scratch folder for this run, removed (with the PostgreSQL server) on any exit -------------
WORK=$(mktemp -d)
# The postgres user must be able to reach its data folder inside this one.
chmod 711 "$WORK"
source "$ROOT/scripts/postgres.sh"
cleanup() {
  stop_postgres
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Tests must not pick up a developer's own configuration or write into the checkout's data folder.
while IFS= read -r var; do unset "$var"; done < <(compgen -e | grep -E '^(INVOLVE_|DATABASE_URL$|DJANGO_)')
export INVOLVE_DATA_DIR=$WORK/data

# --- Stages --------------------------------------------------------------------------------------
NAMES=() RESULTS=() TIMES=() NOTES=()
stage() {
  local name=$1; shift
  echo
  echo "=== $name"
  local start=$SECONDS
  NOTE=""
  "$@"
  local rc=$?
  NAMES+=("$name") TIMES+=($((SECONDS - start))) NOTES+=("$NOTE")
  if ((rc == 0)); then RESULTS+=(pass); else RESULTS+=("FAIL (exit $rc)"); fi
  return 0
}

# The suite, keeping pytest's counts, the axe tally and the coverage for the summary. Branch
# coverage of src/involve (browser tests count: their live server runs in this process); below
# the floor ([tool.coverage.report] fail_under in pyproject.toml) pytest exits non-zero.
run_pytest() {
  local log=$WORK/pytest-$1.log
  INVOLVE_SCORECARD_FILE=$WORK/scorecard-$1.json COVERAGE_FILE=$WORK/.coverage-$1 "$BIN/pytest" -q --durations=5 --cov --cov-report=term:skip-covered 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  NOTE=$(pytest_note "$log")
  return "$rc"
}

# pytest's counts, the axe tally and the coverage of one run's log, for the summary.
pytest_note() {
  local note
  note=$(grep -E '(passed|failed|error).* in [0-9.]+s' "$1" | tail -1 | sed -E 's/ in [0-9.]+s.*//')
  note+=$(grep -E '^axe: ' "$1" | tail -1 | sed -E 's/^axe: (.*)/; axe: \1/')
  # pytest-cov: "Required test coverage of 80% [not ]reached. Total coverage: 81.23%"
  note+=$(grep -E 'Required test coverage of' "$1" | tail -1 |
          sed -E 's/.*of ([0-9.]+%) (not )?reached\. Total coverage: ([0-9.]+%).*/; coverage \3 (floor \1)/')
  echo "$note"
}

# One line per file that `ruff format` would change (not the whole diff), the count in the summary.
ruff_format_check() {
  local log=$WORK/ruff-format.log
  "$BIN/ruff" format --check --output-format concise . 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  ((rc == 0)) || NOTE=$(grep -E 'would be reformatted' "$log" | tail -1 | sed -E 's/, [0-9]+ files? already formatted//')
  return "$rc"
}

pytest_on_postgres() {
  start_postgres || return 1
  run_pytest postgresql
}

# The figures the two pytest runs measured (tests/scorecard.py), side by side, each against its target.
scorecard() {
  local columns=(sqlite="$WORK/scorecard-sqlite.json")
  ((QUICK)) || columns+=(postgresql="$WORK/scorecard-postgresql.json")
  "$BIN/python" "$ROOT/scripts/scorecard.py" "${columns[@]}" >"$WORK/scorecard.txt"
  local rc=$?
  ((rc == 0)) || NOTE="a figure is off target or not measured"
  return "$rc"
}

stage "ruff check" "$BIN/ruff" check .
stage "ruff format --check" ruff_format_check
stage "import contracts" "$BIN/lint-imports" --no-cache
stage "migrations up to date" "$BIN/involve" makemigrations --check --dry-run
if ((QUICK)); then
  stage "pytest on SQLite" run_pytest sqlite
  echo; echo "--quick: PostgreSQL run skipped"
else
  # The two runs at once, one per core: the SQLite run in the background (its output kept in its
  # log and shown after), each with its own data folder, coverage file and scorecard.
  sqlite_start=$SECONDS
  (export INVOLVE_DATA_DIR=$WORK/data-sqlite; run_pytest sqlite >/dev/null 2>&1) &
  sqlite_pid=$!
  export INVOLVE_DATA_DIR=$WORK/data-postgresql
  stage "pytest on PostgreSQL" pytest_on_postgres
  wait "$sqlite_pid"
  sqlite_rc=$?
  echo; echo "=== pytest on SQLite (ran beside PostgreSQL)"
  tail -n 60 "$WORK/pytest-sqlite.log"
  NAMES+=("pytest on SQLite") TIMES+=($((SECONDS - sqlite_start))) NOTES+=("$(pytest_note "$WORK/pytest-sqlite.log")")
  if ((sqlite_rc == 0)); then RESULTS+=(pass); else RESULTS+=("FAIL (exit $sqlite_rc)"); fi
fi

stage "security scorecard" scorecard

# --- Summary ------------------------------------------------------------------------------------
echo
echo "=== Summary"
failed=0
for i in "${!NAMES[@]}"; do
  printf '  %-24s %-16s %4ss  %s\n' "${NAMES[$i]}" "${RESULTS[$i]}" "${TIMES[$i]}" "${NOTES[$i]}"
  [[ ${RESULTS[$i]} == pass ]] || failed=1
done
printf '  %-24s %-16s %4ss\n' "total" "$( ((failed)) && echo FAILED || echo passed)" "$SECONDS"
echo
cat "$WORK/scorecard.txt" 2>/dev/null
exit "$failed"
