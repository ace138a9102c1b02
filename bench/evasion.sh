#!/usr/bin/env bash
# bench/evasion.sh — the adaptive evasion test in one command (full run;
# the fast variant is TestEvasionFast in internal/inspect/evasion).
#
#   bash bench/evasion.sh                 # 300 valid seeds per class, 200 tries per seed and channel
#   bash bench/evasion.sh -seeds 0        # every valid seed of the corpora
#   BULWARK_CORPORA=/path/to/corpora bash bench/evasion.sh
#
# Writes bench/results/evasion.md (and prints it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec go run ./bench/evasion "$@"
