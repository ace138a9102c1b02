#!/usr/bin/env bash
# bench/profile.sh — CPU and allocation profiles of the gateway under load.
#
# Starts bench/upstream and bench/pprofserve (the gateway's own server.Run with
# pprof on a loopback listener) with bench/config/pipeline.yaml, drives one
# route with wrk, and saves a CPU profile and an allocation profile taken over
# the same window. Then prints the top entries.
#
#   bench/profile.sh                       # core route (GET /json), 15 s
#   PROFILE_ROUTE=full bench/profile.sh    # the whole pipeline (GET /full/json)
#   PROFILE_ROUTE=post bench/profile.sh    # the core route with a body (POST /json, bench/wrk/post.lua)
#   PROFILE_ROUTE=auth bench/profile.sh    # the features scenario's JWT route (GET /auth/json)
#   PROFILE_SECONDS=20 PROFILE_OUT=/tmp/p bench/profile.sh
#
# Output: $PROFILE_OUT (default bench/results/profile-<route>) with cpu.pprof,
# allocs-before.pprof, allocs-after.pprof (diff them with
# `go tool pprof -sample_index=alloc_space -diff_base allocs-before.pprof allocs-after.pprof`)
# and top.txt. Nothing here is committed (bench/results/ is gitignored).
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
ROUTE=${PROFILE_ROUTE:-core}
SECS=${PROFILE_SECONDS:-15}
CONNS=${BENCH_CONNECTIONS:-64}
OUT=${PROFILE_OUT:-$BENCH_DIR/results/profile-$ROUTE}
log() { printf '[profile %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
command -v wrk >/dev/null || die "wrk is needed (apt-get install wrk)"
case "$ROUTE" in core | post) PATH_="/json" ;; full) PATH_="/full/json" ;; auth) PATH_="/auth/json" ;; *) die "PROFILE_ROUTE must be core, post, full or auth" ;; esac

TMP=$(mktemp -d "${TMPDIR:-/tmp}/bulwark-profile.XXXXXX")
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
NEXT=${BENCH_PORT_BASE:-18101}
free_port() { while port_busy "$NEXT"; do NEXT=$((NEXT + 1)); done; echo "$NEXT"; NEXT=$((NEXT + 1)); }
UP_PORT=$(free_port); NEXT=$((UP_PORT + 1)); BW_PORT=$(free_port); NEXT=$((BW_PORT + 1))
ADMIN_PORT=$(free_port); NEXT=$((ADMIN_PORT + 1)); PPROF_PORT=$(free_port)

log "building upstream, jwtmint and pprofserve"
(cd "$ROOT" && go build -o "$TMP/upstream" ./bench/upstream && go build -o "$TMP/jwtmint" ./bench/jwtmint &&
	go build -o "$TMP/pprofserve" ./bench/pprofserve) || die "build failed"
TOKEN=$("$TMP/jwtmint" -pub "$TMP/jwt-pub.pem")
BULWARK_ADMIN_TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
export BULWARK_ADMIN_TOKEN
sed -e "s|@BW_PORT@|$BW_PORT|g" -e "s|@ADMIN_PORT@|$ADMIN_PORT|g" -e "s|@UP_PORT@|$UP_PORT|g" \
	-e "s|@TMP@|$TMP|g" -e "s|@JWT_PUB@|$TMP/jwt-pub.pem|g" "$BENCH_DIR/config/pipeline.yaml" >"$TMP/bulwark.yaml"

"$TMP/upstream" -addr "127.0.0.1:$UP_PORT" >/dev/null 2>&1 &
PIDS+=($!)
"$TMP/pprofserve" -c "$TMP/bulwark.yaml" -pprof "127.0.0.1:$PPROF_PORT" >/dev/null 2>"$TMP/bulwark.log" &
PIDS+=($!)
for _ in $(seq 300); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$BW_PORT$PATH_")" = 200 ] && break
	sleep 0.1
done
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$BW_PORT$PATH_")" = 200 ] ||
	{ cat "$TMP/bulwark.log" >&2; die "gateway not ready on $PATH_"; }
mkdir -p "$OUT"
HDR=()
case "$ROUTE" in full | auth) HDR=(-H "Authorization: Bearer $TOKEN") ;; esac
[ "$ROUTE" = post ] && HDR=(-s "$BENCH_DIR/wrk/post.lua") # POST /json, a ~100-byte JSON body echoed
log "warm-up 3 s, then $SECS s of wrk -t1 -c$CONNS on $PATH_ while profiling (load: $(cut -d' ' -f1-3 /proc/loadavg))"
wrk -t1 -c"$CONNS" -d3s "${HDR[@]}" "http://127.0.0.1:$BW_PORT$PATH_" >/dev/null
curl -s -o "$OUT/allocs-before.pprof" "http://127.0.0.1:$PPROF_PORT/debug/pprof/allocs"
wrk -t1 -c"$CONNS" -d"$((SECS + 2))s" --latency "${HDR[@]}" "http://127.0.0.1:$BW_PORT$PATH_" >"$OUT/wrk.txt" &
WRK=$!
sleep 1
curl -s -o "$OUT/cpu.pprof" "http://127.0.0.1:$PPROF_PORT/debug/pprof/profile?seconds=$SECS"
curl -s -o "$OUT/allocs-after.pprof" "http://127.0.0.1:$PPROF_PORT/debug/pprof/allocs"
wait "$WRK"
{
	echo "# $ROUTE ($PATH_), tree $(git -C "$ROOT" rev-parse --short HEAD), load $(cut -d' ' -f1-3 /proc/loadavg)"
	grep -E 'Requests/sec|99%' "$OUT/wrk.txt"
	echo "## CPU, cumulative"
	go tool pprof -top -cum -nodecount=45 "$OUT/cpu.pprof" 2>/dev/null | sed -n '1,60p'
	echo "## CPU, flat"
	go tool pprof -top -nodecount=30 "$OUT/cpu.pprof" 2>/dev/null | sed -n '1,40p'
	echo "## allocations during the window (alloc_space)"
	go tool pprof -top -nodecount=30 -sample_index=alloc_space -diff_base "$OUT/allocs-before.pprof" "$OUT/allocs-after.pprof" 2>/dev/null | sed -n '1,40p'
	echo "## allocations during the window (alloc_objects)"
	go tool pprof -top -nodecount=30 -sample_index=alloc_objects -diff_base "$OUT/allocs-before.pprof" "$OUT/allocs-after.pprof" 2>/dev/null | sed -n '1,40p'
} >"$OUT/top.txt"
log "profiles and top entries in $OUT"
