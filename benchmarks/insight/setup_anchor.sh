#!/usr/bin/env bash
# Builds the anchor's own virtualenv for the insight benchmark: pxtextmining 1.0.1 (the NHS
# patient-experience classifier) and only what its scikit-learn SVC recipe needs, pinned to
# pxtextmining's own requirements (scikit-learn==1.0.2, numpy>=1.22, pandas<2, scipy>=1.10.1).
# Its tensorflow, transformers and xgboost requirements are not installed: the SVC path never
# uses them, and benchmarks/insight/anchor_stubs/ stands in for their module-level imports.
#
#   benchmarks/insight/setup_anchor.sh        (idempotent; about 1 minute the first time)
#
# Needs Python 3.10 (pxtextmining wants >3.8,<3.11): ANCHOR_PYTHON, else pyenv's 3.10.13.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
VENV=${ANCHOR_VENV:-$HERE/.anchor-venv}
PY=${ANCHOR_PYTHON:-$HOME/.pyenv/versions/3.10.13/bin/python3.10}
PINS=(
  pxtextmining==1.0.1
  scikit-learn==1.0.2
  numpy==1.26.4
  scipy==1.11.4
  pandas==1.5.3
  joblib==1.3.2
  threadpoolctl==3.5.0
  python-dateutil==2.9.0.post0
  pytz==2024.2
  six==1.16.0
)

if [[ -x $VENV/bin/python ]] && "$VENV/bin/python" - "${PINS[@]}" <<'PYEOF'
import sys
from importlib.metadata import version, PackageNotFoundError
for pin in sys.argv[1:]:
    name, want = pin.split("==")
    try:
        if version(name) != want:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PYEOF
then
  echo "Anchor virtualenv ready: $VENV"
  exit 0
fi

[[ -x $PY ]] || { echo "No Python 3.10 at $PY (set ANCHOR_PYTHON)" >&2; exit 2; }
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
# --no-deps everywhere: exactly the pins above, nothing pulled in behind them.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps "${PINS[@]}"
"$VENV/bin/python" -m pip check >/dev/null 2>&1 || true  # tensorflow etc. are missing on purpose
echo "Anchor virtualenv built: $VENV"
