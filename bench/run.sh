#!/usr/bin/env bash
# bench/run.sh — measure, in one run and under the same load, the direct
# upstream, a plain Go reverse proxy (httputil defaults) and Bulwark.
#
#   bench/run.sh                      # full run (~4 min on 2 cores)
#   BENCH_DURATION=3s bench/run.sh    # smoke run (~1 min)
#
# Environment:
#   BENCH_DURATION     measured wrk run length            (default 10s)
#   BENCH_WARMUP       warm-up run length per target      (default 3s)
#   BENCH_REPEATS      measured runs per target/scenario  (default 3; median reported)
#   BENCH_CONNECTIONS  wrk connections                    (default 64)
#   BENCH_THREADS      wrk threads                        (default 1: only 2 cores)
#   BENCH_BULWARK      build    = go build ./cmd/bulwark (default)
#                      standin  = run a second plain proxy in Bulwark's slot
#                                 (only to test this script while the gateway
#                                 does not build; the table says so)
#   BENCH_TUNED=1      add a 4th row: the same plain proxy with
#                      MaxIdleConnsPerHost=$BENCH_CONNECTIONS (context only)
#   BENCH_KEEP_TMP=1   keep the temp dir (binaries, configs, logs)
#
# Output: the tables on stdout and in bench/results/latest.md; raw wrk output
# and Bulwark's stderr under bench/results/ (gitignored).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
RESULTS="$BENCH_DIR/results"

DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-3s}
REPEATS=${BENCH_REPEATS:-3}
CONNS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-1}
BULWARK_MODE=${BENCH_BULWARK:-build}
TUNED=${BENCH_TUNED:-0}

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

case "$BULWARK_MODE" in build | standin) ;; *) die "BENCH_BULWARK must be build or standin" ;; esac

# ---------------------------------------------------------------- tools
if ! command -v wrk >/dev/null 2>&1; then
	log "wrk not found; installing with apt-get"
	if [ "$(id -u)" = 0 ]; then
		(apt-get update && apt-get install -y wrk) >&2 || die "could not install wrk"
	else
		(sudo apt-get update && sudo apt-get install -y wrk) >&2 || die "could not install wrk (need root)"
	fi
fi
command -v curl >/dev/null 2>&1 || die "curl is needed"
command -v go >/dev/null 2>&1 || die "go is needed"

# ---------------------------------------------------------------- cleanup
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bulwark-bench.XXXXXX")
PIDS=()
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		# give each process up to 5 s to exit (Bulwark flushes its audit queue), then KILL
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [ "${BENCH_KEEP_TMP:-0}" = 1 ]; then
		log "temp dir kept: $TMP"
	else
		rm -rf "$TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- ports
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
NEXT_PORT=${BENCH_PORT_BASE:-18001}
free_port_into() { # VAR — sets VAR to the next free port >= NEXT_PORT
	local p=$NEXT_PORT
	while port_busy "$p"; do
		p=$((p + 1))
		[ "$p" -lt 65000 ] || die "no free port found"
	done
	NEXT_PORT=$((p + 1))
	printf -v "$1" '%s' "$p"
}
free_port_into UP_PORT
free_port_into PLAIN_PORT
free_port_into BW_PORT
free_port_into ADMIN_PORT
[ "$TUNED" = 1 ] && free_port_into TUNED_PORT
log "ports: upstream $UP_PORT, plain proxy $PLAIN_PORT, bulwark $BW_PORT (admin $ADMIN_PORT)"

# ---------------------------------------------------------------- build
log "building upstream and plain proxy into $TMP"
(cd "$ROOT" && go build -o "$TMP/upstream" ./bench/upstream && go build -o "$TMP/plainproxy" ./bench/plainproxy) ||
	die "build of bench helpers failed"
if [ "$BULWARK_MODE" = build ]; then
	log "building bulwark (go build ./cmd/bulwark)"
	if ! (cd "$ROOT" && go build -o "$TMP/bulwark" ./cmd/bulwark) 2>"$TMP/build.log"; then
		cat "$TMP/build.log" >&2
		die "go build ./cmd/bulwark failed (BENCH_BULWARK=standin tests the script without it)"
	fi
fi

# ---------------------------------------------------------------- start
wait_http() { # url [what] — wait up to 30 s for a 200
	local url=$1 what=${2:-$1}
	for _ in $(seq 300); do
		if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" 2>/dev/null)" = 200 ]; then return 0; fi
		sleep 0.1
	done
	die "$what did not become ready ($url)"
}
check_alive() { # pid name logfile
	kill -0 "$1" 2>/dev/null && return 0
	log "$2 exited; last lines of its log:"
	tail -n 40 "$3" >&2 || true
	die "$2 is not running"
}

"$TMP/upstream" -addr "127.0.0.1:$UP_PORT" >"$TMP/upstream.log" 2>&1 &
UP_PID=$!
PIDS+=("$UP_PID")
wait_http "http://127.0.0.1:$UP_PORT/health" upstream

"$TMP/plainproxy" -addr "127.0.0.1:$PLAIN_PORT" -upstream "http://127.0.0.1:$UP_PORT" >"$TMP/plainproxy.log" 2>&1 &
PLAIN_PID=$!
PIDS+=("$PLAIN_PID")
wait_http "http://127.0.0.1:$PLAIN_PORT/health" "plain proxy"

BW_LOG="$TMP/bulwark.stderr.log"
if [ "$BULWARK_MODE" = build ]; then
	BULWARK_ADMIN_TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
	export BULWARK_ADMIN_TOKEN
	cat >"$TMP/bulwark.yaml" <<EOF
# generated by bench/run.sh
server:
  listen: 127.0.0.1:$BW_PORT
admin:
  listen: 127.0.0.1:$ADMIN_PORT
  token: \${env:BULWARK_ADMIN_TOKEN}
store: sqlite:$TMP/bench.db
audit: { stdout: false, file: $TMP/audit.jsonl, store: true }
apis:
  - name: bench
    upstream: http://127.0.0.1:$UP_PORT
    auth: [none]
    routes:
      - match: GET /json
      - match: POST /json
      - match: GET /users/{id}
      - match: GET /health
EOF
	"$TMP/bulwark" serve -c "$TMP/bulwark.yaml" >"$TMP/bulwark.stdout.log" 2>"$BW_LOG" &
	BW_PID=$!
	PIDS+=("$BW_PID")
	for _ in $(seq 300); do
		if ! kill -0 "$BW_PID" 2>/dev/null; then
			log "bulwark serve exited; 'bulwark check' says:"
			"$TMP/bulwark" check -c "$TMP/bulwark.yaml" >&2 || true
		fi
		check_alive "$BW_PID" bulwark "$BW_LOG"
		[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$ADMIN_PORT/healthz" 2>/dev/null)" = 200 ] && break
		sleep 0.1
	done
	wait_http "http://127.0.0.1:$ADMIN_PORT/healthz" "bulwark admin /healthz"
	wait_http "http://127.0.0.1:$BW_PORT/health" "bulwark proxy GET /health"
	BW_LABEL="Bulwark"
else
	"$TMP/plainproxy" -addr "127.0.0.1:$BW_PORT" -upstream "http://127.0.0.1:$UP_PORT" >"$BW_LOG" 2>&1 &
	BW_PID=$!
	PIDS+=("$BW_PID")
	wait_http "http://127.0.0.1:$BW_PORT/health" "stand-in proxy"
	BW_LABEL="STAND-IN (plain proxy, not Bulwark)"
fi

TARGETS=(direct plain bulwark)
declare -A URL=([direct]="http://127.0.0.1:$UP_PORT" [plain]="http://127.0.0.1:$PLAIN_PORT" [bulwark]="http://127.0.0.1:$BW_PORT")
declare -A LABEL=([direct]="direct upstream" [plain]="plain Go proxy (httputil defaults)" [bulwark]="$BW_LABEL")
declare -A PID=([direct]="$UP_PID" [plain]="$PLAIN_PID" [bulwark]="$BW_PID")
declare -A LOGF=([direct]="$TMP/upstream.log" [plain]="$TMP/plainproxy.log" [bulwark]="$BW_LOG")
if [ "$TUNED" = 1 ]; then
	"$TMP/plainproxy" -addr "127.0.0.1:$TUNED_PORT" -upstream "http://127.0.0.1:$UP_PORT" -max-idle-per-host "$CONNS" >"$TMP/tuned.log" 2>&1 &
	TUNED_PID=$!
	PIDS+=("$TUNED_PID")
	wait_http "http://127.0.0.1:$TUNED_PORT/health" "tuned plain proxy"
	TARGETS+=(tuned)
	URL[tuned]="http://127.0.0.1:$TUNED_PORT" LABEL[tuned]="plain Go proxy, MaxIdleConnsPerHost=$CONNS (context)"
	PID[tuned]=$TUNED_PID LOGF[tuned]="$TMP/tuned.log"
fi

# ---------------------------------------------------------------- sanity
POST_BODY=$(sed -n "s/^wrk.body *= *'\(.*\)'$/\1/p" "$BENCH_DIR/wrk/post.lua")
[ -n "$POST_BODY" ] || die "could not read the POST body from wrk/post.lua"
want_len=$(curl -s "${URL[direct]}/json" | wc -c)
for t in "${TARGETS[@]}"; do
	got=$(curl -s -o "$TMP/sanity.$t" -w '%{http_code} %{size_download}' "${URL[$t]}/json")
	[ "$got" = "200 $want_len" ] || die "${LABEL[$t]}: GET /json answered '$got' (want '200 $want_len')"
	got=$(curl -s -X POST -H 'Content-Type: application/json' --data-binary "$POST_BODY" "${URL[$t]}/json")
	[ "$got" = "$POST_BODY" ] || die "${LABEL[$t]}: POST /json did not echo the body (got: $got)"
done
log "sanity checks passed (GET /json = $want_len bytes, POST /json echoes)"

# ---------------------------------------------------------------- load
rm -rf "$RESULTS/raw"
mkdir -p "$RESULTS/raw"
SCENARIOS=(get post)
declare -A SC_NAME=([get]="GET /json" [post]="POST /json")
declare -A SC_LUA=([get]="$BENCH_DIR/wrk/get.lua" [post]="$BENCH_DIR/wrk/post.lua")

# run_wrk scenario target duration outfile  -> prints the BENCH_RESULT fields
run_wrk() {
	local sc=$1 t=$2 d=$3 out=$4
	check_alive "${PID[$t]}" "${LABEL[$t]}" "${LOGF[$t]}"
	wrk -t"$THREADS" -c"$CONNS" -d"$d" --latency -s "${SC_LUA[$sc]}" "${URL[$t]}/json" >"$out" 2>&1 ||
		{ cat "$out" >&2; die "wrk failed against ${LABEL[$t]}"; }
	grep '^BENCH_RESULT' "$out" | tail -n 1 || die "no BENCH_RESULT line in $out"
}
field() { # line name
	sed -n "s/.* $2=\([0-9]*\).*/\1/p" <<<" $1"
}
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

declare -A RPS P50 P99 NON2XX SOCKERR RUNS_RPS RUNS_P99
start_ts=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${LOAD_BEFORE%% *}" 'BEGIN {exit !(l > 1.0)}'; then
	log "WARNING: load average is $LOAD_BEFORE before the run; other work on this machine will add noise"
fi
log "wrk -t$THREADS -c$CONNS -d$DURATION --latency; warm-up $WARMUP; $REPEATS measured runs per target, interleaved"
for sc in "${SCENARIOS[@]}"; do
	for t in "${TARGETS[@]}"; do
		log "${SC_NAME[$sc]}: warm-up ${LABEL[$t]}"
		run_wrk "$sc" "$t" "$WARMUP" "$RESULTS/raw/$sc-$t-warmup.txt" >/dev/null
	done
	declare -A rps_l=() p50_l=() p99_l=() n2_l=() se_l=()
	for ((r = 0; r < REPEATS; r++)); do
		# rotate the order every round: d,p,b / p,b,d / b,d,p (targets in the same round see the same conditions)
		for ((i = 0; i < ${#TARGETS[@]}; i++)); do
			t=${TARGETS[$(((i + r) % ${#TARGETS[@]}))]}
			line=$(run_wrk "$sc" "$t" "$DURATION" "$RESULTS/raw/$sc-$t-run$((r + 1)).txt")
			req=$(field "$line" requests) dur=$(field "$line" duration_us)
			rps=$(awk -v n="$req" -v d="$dur" 'BEGIN {printf "%.0f", n / (d / 1e6)}')
			se=$(($(field "$line" connect) + $(field "$line" read) + $(field "$line" write) + $(field "$line" timeout)))
			rps_l[$t]+="$rps " p50_l[$t]+="$(field "$line" p50_us) " p99_l[$t]+="$(field "$line" p99_us) "
			n2_l[$t]=$((${n2_l[$t]:-0} + $(field "$line" non2xx))) se_l[$t]=$((${se_l[$t]:-0} + se))
			log "${SC_NAME[$sc]} run $((r + 1))/$REPEATS ${LABEL[$t]}: $rps req/s, p50 $(field "$line" p50_us)us, p99 $(field "$line" p99_us)us, non-2xx $(field "$line" non2xx), socket errors $se"
		done
	done
	for t in "${TARGETS[@]}"; do
		# shellcheck disable=SC2086
		RPS[$sc.$t]=$(median ${rps_l[$t]}) P50[$sc.$t]=$(median ${p50_l[$t]}) P99[$sc.$t]=$(median ${p99_l[$t]})
		NON2XX[$sc.$t]=${n2_l[$t]} SOCKERR[$sc.$t]=${se_l[$t]}
		RUNS_RPS[$sc.$t]=$(echo ${rps_l[$t]} | sed 's/ / · /g')
		RUNS_P99[$sc.$t]=$(for u in ${p99_l[$t]}; do awk -v u="$u" 'BEGIN {printf "%.1f\n", u / 1000}'; done | paste -sd' ' | sed 's/ / · /g')
	done
	unset rps_l p50_l p99_l n2_l se_l
done
elapsed=$(($(date +%s) - start_ts))
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- extras
rss_mib() { awk '/^VmHWM:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }
declare -A RSS
for t in "${TARGETS[@]}"; do RSS[$t]=$(rss_mib "${PID[$t]}"); done

AUDIT_NOTE=""
if [ "$BULWARK_MODE" = build ]; then
	sleep 1 # let the audit queue drain
	total_bw=0
	for f in "$RESULTS"/raw/*-bulwark-*.txt; do
		n=$(field "$(grep '^BENCH_RESULT' "$f" | tail -n 1)" requests)
		total_bw=$((total_bw + ${n:-0}))
	done
	lines=$(wc -l <"$TMP/audit.jsonl" 2>/dev/null || echo 0)
	dropped=$(curl -s --max-time 2 "http://127.0.0.1:$ADMIN_PORT/metrics" | awk '/^bulwark_audit_events_dropped_total/ {s += $2} END {printf "%.0f", s}')
	written=$(curl -s --max-time 2 "http://127.0.0.1:$ADMIN_PORT/metrics" | awk '/^bulwark_audit_events_written_total/ {s += $2} END {printf "%.0f", s}')
	AUDIT_NOTE="Audit: wrk sent $total_bw requests to Bulwark (warm-ups included; plus a few sanity/readiness requests); audit file has $lines lines; metrics: audit events written $written (summed over the file and store sinks), dropped $dropped."
	errs=$(grep -c '"level":"ERROR"' "$BW_LOG" || true)
	warns=$(grep -c '"level":"WARN"' "$BW_LOG" || true)
	AUDIT_NOTE+=" Bulwark stderr: $errs ERROR and $warns WARN lines (bench/results/bulwark-stderr.log)."
fi
cp "$BW_LOG" "$RESULTS/bulwark-stderr.log" 2>/dev/null || true

# ---------------------------------------------------------------- report
ms() { awk -v u="$1" 'BEGIN {printf "%.2f ms", u / 1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f×", a / b; else print "n/a"}'; }
commit=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo "no commit")
dirty=$(cd "$ROOT" && [ -n "$(git status --porcelain 2>/dev/null | head -n 1)" ] && echo " (uncommitted changes)" || true)
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
{
	echo "# Bulwark benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "Machine: $(nproc) CPUs ($cpu), $(awk '/^MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(go version | awk '{print $3}'), tree $commit$dirty."
	echo "Load: \`wrk -t$THREADS -c$CONNS -d$DURATION --latency\` on loopback, same machine; warm-up $WARMUP per target;"
	echo "req/s, p50 and p99 are each the median of $REPEATS interleaved runs per target (order rotated each round). Measured time: ${elapsed}s."
	echo "Load average before the run: $LOAD_BEFORE; after: $LOAD_AFTER (the benchmark alone keeps ~2 cores busy)."
	[ "$BULWARK_MODE" = standin ] && echo && echo "**BENCH_BULWARK=standin: the third row is a second plain proxy, NOT Bulwark. Script test only.**"
	for sc in "${SCENARIOS[@]}"; do
		echo
		echo "## ${SC_NAME[$sc]}"
		echo
		echo "| target | req/s | p50 | p99 | non-2xx (all runs) | socket errors (all runs) | peak RSS | req/s per run | p99 ms per run |"
		echo "|---|---:|---:|---:|---:|---:|---:|---|---|"
		for t in "${TARGETS[@]}"; do
			echo "| ${LABEL[$t]} | ${RPS[$sc.$t]} | $(ms "${P50[$sc.$t]}") | $(ms "${P99[$sc.$t]}") | ${NON2XX[$sc.$t]} | ${SOCKERR[$sc.$t]} | ${RSS[$t]} MiB | ${RUNS_RPS[$sc.$t]} | ${RUNS_P99[$sc.$t]} |"
		done
		echo
		echo "Throughput: Bulwark / plain proxy **$(ratio "${RPS[$sc.bulwark]}" "${RPS[$sc.plain]}")**, Bulwark / direct **$(ratio "${RPS[$sc.bulwark]}" "${RPS[$sc.direct]}")**, plain proxy / direct $(ratio "${RPS[$sc.plain]}" "${RPS[$sc.direct]}")."
		echo "p99: Bulwark / plain proxy **$(ratio "${P99[$sc.bulwark]}" "${P99[$sc.plain]}")** (below 1 = Bulwark's tail is shorter)."
	done
	echo
	echo "Peak RSS is VmHWM over the whole run (both scenarios). TCP TIME_WAIT sockets at the end: $(ss -tan state time-wait 2>/dev/null | tail -n +2 | wc -l) (the default-transport proxy closes most upstream connections)."
	[ -n "$AUDIT_NOTE" ] && echo "$AUDIT_NOTE"
	echo "Raw wrk output: bench/results/raw/."
} >"$RESULTS/latest.md"
echo
cat "$RESULTS/latest.md"
