#!/bin/sh
# The soak run (docs/reliability.md): the chaos run's cluster with every
# guard on, held at 70 % of its measured capacity for 30 minutes (or
# SOAK_DURATION), sampling each node's RSS, Go heap, goroutines, open files
# and p99 every 10 s. It fails unless memory, goroutines and open files stay
# within 10 % after warm-up, and draws the samples into docs/img/soak-*.svg.
#
#   bench/soak.sh                      # 30 minutes
#   SOAK_DURATION=5m bench/soak.sh
#
# The CI variant (2 minutes at most) is bench/chaos TestSoakShort.
set -eu
cd "$(dirname "$0")/.."
exec go run ./bench/chaos -mode soak -duration "${SOAK_DURATION:-30m}" -svg docs/img "$@"
