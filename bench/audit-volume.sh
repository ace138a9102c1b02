#!/bin/sh
# Audit at volume (docs/audit.md): store throughput and bytes per event on
# SQLite and PostgreSQL, and the tiers end to end through the real binary.
#
#   bench/audit-volume.sh            # SQLite only
#   BULWARK_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable bench/audit-volume.sh
#
# VOLUME sets the requests of the size-bounded volume test (default 10 million),
# VOLUME_MAX_BYTES its store bound (default 16 MiB).
# BATCHES sets how many batches of 256 requests the store benchmarks write
# (default 4000: about a million requests; 40000 for ten million).
set -eu
cd "$(dirname "$0")/.."
BATCHES=${BATCHES:-4000}
echo "== store: default tiers, ${BATCHES} batches of 256 requests"
go test ./internal/store -run '^$' -bench 'BenchmarkAuditTiered' -benchmem -benchtime "${BATCHES}x"
echo "== store: events in full (bytes per stored event, events/s)"
go test ./internal/store -run '^$' -bench 'BenchmarkAuditEventBytes|BenchmarkAppendAudit' -benchmem -benchtime 200x
echo "== store: ${VOLUME:-10000000} requests through the default tiers, size-bounded (TestAuditVolume)"
BULWARK_AUDIT_VOLUME=${VOLUME:-10000000} BULWARK_AUDIT_VOLUME_MAX_BYTES=${VOLUME_MAX_BYTES:-16777216} \
  go test ./internal/store -run 'TestAuditVolume' -count 1 -v -timeout 60m | grep -E '^\s*(---|ok|FAIL)|requests:'
echo "== gateway: tiers, flood, size bound, disk full (real binary, loopback)"
go test ./cmd/bulwark -run 'TestAuditTiersAtVolume|TestAuditRotationAndPruningUnderLoad|TestAuditDiskFull|TestAuditExport' -count 1 -v | grep -E '^(---|ok|FAIL)'
