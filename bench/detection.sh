#!/usr/bin/env bash
# bench/detection.sh — the corpus detection benchmark in one command.
#
# Builds bulwark and bench/detection, starts an echo upstream and one gateway
# process (bench/detection/bulwark.yaml: Bulwark's detectors on bulwark.bench,
# Coraza + OWASP CRS PL1 on crs.bench, per-API routes on hard.bench), replays
# the injection corpora through it and prints a markdown report of detection
# and false-positive rates per file and channel (also bench/results/detection.md;
# Bulwark's misses and false positives in bench/results/detection-bulwark-misses.txt,
# the last 2,000 lines of the gateway's log in bench/results/detection-bulwark.log).
#
#   bench/detection.sh                          # full corpora (~200k requests per target)
#   bench/detection.sh -sample 300              # at most 300 items per file (quick look)
#   bench/detection.sh -targets bulwark,hard    # skip the (slow) CRS target
#   BULWARK_CORPORA=/path/to/corpora bench/detection.sh
#
# Flags after the script name go to the program (-corpora, -sample, -targets,
# -workers, -timeout; see `go run ./bench/detection -h`). Corpora: -corpora,
# else $BULWARK_CORPORA, else ../shared/corpora next to the repository.
#
# Exit status: 0 when every request was answered (the figures are a report,
# not a test), 1 on transport errors, 2 when the run could not start.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
RESULTS="$BENCH_DIR/results"

command -v go >/dev/null 2>&1 || { echo "detection.sh: go is needed" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/bulwark-detection.XXXXXX")
cleanup() {
	local rc=$?
	mkdir -p "$RESULTS"
	# the gateway logs every finding: keep the end (start-up and any errors are
	# also counted in the report's refusal codes)
	tail -n 2000 "$TMP/work/bulwark.log" >"$RESULTS/detection-bulwark.log" 2>/dev/null || true
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cd "$ROOT"
echo "[detection] building bulwark and bench/detection into $TMP" >&2
go build -o "$TMP/bulwark" ./cmd/bulwark || { echo "detection.sh: go build ./cmd/bulwark failed" >&2; exit 2; }
go build -o "$TMP/detection" ./bench/detection || { echo "detection.sh: go build ./bench/detection failed" >&2; exit 2; }
mkdir -p "$TMP/work"

"$TMP/detection" -bulwark "$TMP/bulwark" -config bench/detection/bulwark.yaml -workdir "$TMP/work" \
	-out "$RESULTS/detection.md" -misses "$RESULTS/detection-bulwark-misses.txt" "$@"
