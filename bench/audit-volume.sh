#!/bin/sh
# Audit at volume (docs/audit.md): store throughput and bytes per event on
# SQLite and PostgreSQL, and the tiers end to end through the real binary.
#
#   bench/audit-volume.sh            # SQLite only
#   BULWARK_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable bench/audit-volume.sh
#
# BATCHES sets how many batches of 256 requests the store benchmarks write
# (default 4000: about a million requests; 40000 for ten million).
set -eu
cd "$(dirname "$0")/.."
BATCHES=${BATCHES:-4000}
echo "== store: default tiers, ${BATCHES} batches of 256 requests"
go test ./internal/store -run '^$' -bench 'BenchmarkAuditTiered' -benchmem -benchtime "${BATCHES}x"
echo "== store: events in full (bytes per stored event, events/s)"
go test ./internal/store -run '^$' -bench 'BenchmarkAuditEventBytes|BenchmarkAppendAudit' -benchmem -benchtime 200x
echo "== gateway: tiers, flood, size bound, disk full (real binary, loopback)"
go test ./cmd/bulwark -run 'TestAuditTiersAtVolume|TestAuditDiskFull' -count 1 -v | grep -E '^(---|ok|FAIL)'
