#!/usr/bin/env bash
# bench/variants.sh — CPU per request of Bulwark config variants beside the
# tuned Go proxy, interleaved in one run: the quick A/B behind the "what a piece
# costs" figures of docs/performance.md.
#
#   bench/variants.sh core nostore fileonly noaudit
#
# Each variant is the core route (GET /json) of bench/config/pipeline.yaml with:
#   core      the config as it is (audit to file + store)
#   nostore   audit to the file only, no store sink (no events, rollups or console counters in SQLite)
#   fileonly  the same as nostore (kept for the earlier notes)
#   noaudit   no audit sink at all
#   bare      no audit sink and injection inspection off: routing, hygiene and forwarding only
#   nethttp   core served by net/http's server instead of Bulwark's own (server.engine: net/http)
#   base      (a modifier, e.g. full+base) Bulwark built from VARIANTS_BASE_REV (a git revision)
#             instead of the working tree: before/after of one change in one run
#   nocompress (a modifier) rotated audit files are not gzipped (audit.rotation.compress: false)
#   waf       (a modifier, e.g. full+waf) with the inspect scenario's WAF API (Coraza + CRS,
#             bench/config/inspect.yaml) added to the process, unused by the measured route: what
#             the ~12 MiB of CRS on the heap costs a route that does not use it (until 2026-12-07
#             bench/config/pipeline.yaml carried that API; "nowaf" removed it)
#   full      the whole-pipeline route (GET /full/json: JWT + scope, two rate limits, inspection,
#             response allow-list + sensitive scan, audit to file + store), as bench/run.sh's (b)
# A variant may combine words with "+": config words after the first (full+noaudit), and
# environment settings for its Bulwark process, e.g. full+GOGC=400 or core+GOMAXPROCS=3 (the
# tuned proxy gets none of them).
# VARIANTS_RATE (unset: as fast as wrk can) holds the load near that many requests a second
# (each of the 64 connections waits 64000/RATE ms between requests, a wrk Lua delay): at a rate
# every target sustains, CPU per request compares the targets' own work without the throughput
# feedback of a saturated run (a slower target also pays more per syscall there).
# Environment: VARIANTS_GOGC (unset: Go's default) is given as GOGC to the tuned proxy and
# every Bulwark variant alike (not to the upstream); VARIANTS_DURATION (6s), VARIANTS_ROUNDS (3), VARIANTS_PORT (28000: upstream
# on +1, tuned proxy on +3, variants on +101…). Needs wrk and Go; loopback only; everything
# it starts is stopped and its temp dir removed on exit.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DUR=${VARIANTS_DURATION:-6s}; ROUNDS=${VARIANTS_ROUNDS:-3}; BASE=${VARIANTS_PORT:-28000}
[ $# -gt 0 ] || set -- core nostore
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$T"' EXIT
cd "$ROOT"
go build -o "$T/upstream" ./bench/upstream
go build -o "$T/plainproxy" ./bench/plainproxy
go build -o "$T/bulwark" ./cmd/bulwark
if [ -n "${VARIANTS_BASE_REV:-}" ]; then
	mkdir -p "$T/base-src"
	git archive "$VARIANTS_BASE_REV" | tar -x -C "$T/base-src"
	(cd "$T/base-src" && go build -o "$T/bulwark-base" ./cmd/bulwark)
fi
go build -o "$T/jwtmint" ./bench/jwtmint
TOKEN=$("$T/jwtmint" -pub "$T/jwt-pub.pem")
UP=$((BASE + 1)); TUNED=$((BASE + 3))
# run_bg: only ever called with & — it execs, so $! is the program's own PID (CPU is read from it)
run_bg() { if [ -n "${VARIANTS_GOGC:-}" ]; then GOGC=$VARIANTS_GOGC exec "$@"; else exec "$@"; fi; }
"$T/upstream" -addr "127.0.0.1:$UP" >/dev/null 2>&1 &
run_bg "$T/plainproxy" -tuned -idle 512 -addr "127.0.0.1:$TUNED" -upstream "http://127.0.0.1:$UP" >/dev/null 2>&1 &
declare -A PID PORT URLPATH
URLPATH[tuned]=/json
PID[tuned]=$!; PORT[tuned]=$TUNED
export BULWARK_ADMIN_TOKEN=variantsvariantsvariantsvariants
i=0
for v in "$@"; do
	i=$((i + 1)); d="$T/v$i"; mkdir -p "$d"; port=$((BASE + 100 + i))
	sed -e "s#@BW_PORT@#$port#; s#@ADMIN_PORT@#$((BASE + 200 + i))#; s#@TMP@#$d#g; s#@UP_PORT@#$UP#; s#@JWT_PUB@#$T/jwt-pub.pem#" \
		bench/config/pipeline.yaml >"$d/c.yaml"
	IFS=+ read -r -a spec <<<"$v"
	URLPATH[$v]=/json
	case ${spec[0]} in
	full) URLPATH[$v]=/full/json ;;
	esac
	envs=(); bin=$T/bulwark; addwaf=0
	for w in "${spec[@]}"; do
	case $w in
	*=*) envs+=("$w") ;;
	core | full) ;;
	base) bin=$T/bulwark-base; [ -x "$bin" ] || { echo "variant word base needs VARIANTS_BASE_REV" >&2; exit 2; } ;;
	nostore | fileonly) sed -i "s#^audit:.*#audit: { stdout: false, file: $d/audit.jsonl, store: false }#" "$d/c.yaml" ;;
	noaudit) sed -i 's#^audit:.*#audit: { stdout: false, store: false }#' "$d/c.yaml" ;;
	nocompress) sed -i 's#^audit: { stdout: false, file: \([^,]*\), store: true }#audit: { stdout: false, file: \1, store: true, rotation: {compress: false} }#' "$d/c.yaml" ;;
	waf) addwaf=1 ;;
	nethttp) sed -i 's#^  listen: 127.0.0.1:'"$port"'$#&\n  engine: net/http#' "$d/c.yaml" ;;
	bare)
		sed -i 's#^audit:.*#audit: { stdout: false, store: false }#' "$d/c.yaml"
		sed -i '0,/^    auth: \[none\]$/s//    auth: [none]\n    inspect: { mode: off }/' "$d/c.yaml"
		;;
	*) echo "unknown variant $v" >&2; exit 2 ;;
	esac
	done
	if [ "${spec[0]}" != full ]; then
		# the core route only: no JWT identity, nothing after the core routes
		sed -i '/^identity:/,/^apis:/{/^apis:/!d}' "$d/c.yaml"
		sed -i '/- match: GET \/full\/json/,$d' "$d/c.yaml"
	fi
	if [ "$addwaf" = 1 ]; then
		sed -n '/^  - name: inspect-waf$/,$p' bench/config/inspect.yaml | sed "s#@UP_PORT@#$UP#" >>"$d/c.yaml"
	fi
	(for e in "${envs[@]}"; do export "${e?}"; done; run_bg "$bin" serve -c "$d/c.yaml" >"$d/log" 2>&1) &
	PID[$v]=$!; PORT[$v]=$port
done
for n in $(seq 100); do
	ok=1; for v in tuned "$@"; do curl -fs -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:${PORT[$v]}${URLPATH[$v]}" || ok=0; done
	[ $ok = 1 ] && break; sleep 0.1
done
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
PACE=()
if [ -n "${VARIANTS_RATE:-}" ]; then
	echo "function delay() return $((64000 / VARIANTS_RATE)) end" >"$T/pace.lua"
	PACE=(-s "$T/pace.lua")
fi
run() {
	local c0 c1 out n
	c0=$(cpu "${PID[$1]}"); out=$(wrk -t1 -c64 -d"$DUR" --latency "${PACE[@]}" -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:${PORT[$1]}${URLPATH[$1]}"); c1=$(cpu "${PID[$1]}")
	n=$(echo "$out" | awk '/requests in/ {print $1}')
	printf '%-16s %9s req/s  p99 %8s  CPU %5s us/req\n' "$1" "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
		"$(echo "$out" | awk '$1 == "99%" {print $2}')" \
		"$(awk -v a="$c0" -v b="$c1" -v n="$n" 'BEGIN {printf "%.1f", (b - a) * 10000 / n}')"
}
for v in tuned "$@"; do wrk -t1 -c64 -d2s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:${PORT[$v]}${URLPATH[$v]}" >/dev/null; done
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); GOGC=${VARIANTS_GOGC:-default}"
for r in $(seq "$ROUNDS"); do
	echo "round $r"
	for v in tuned "$@"; do run "$v"; done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
