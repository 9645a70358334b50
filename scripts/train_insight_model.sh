#!/usr/bin/env bash
# Rebuild the shipped theme/sentiment model (src/involve/insight/artefacts/model-<version>.pkl and
# its .json sidecar) from ../shared/data/pxtextmining: trained on the 80 % training split (seed 42),
# evaluated on the held-out 20 %. Fixed seeds: the same data gives the same predictions.
# Usage: scripts/train_insight_model.sh [--data DIR] [--out PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/involve insight train "$@"
