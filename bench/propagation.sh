#!/bin/sh
# Measures change propagation between nodes: 1,000 API key revocations made
# one at a time on one Store, each applied by three other Stores ("nodes")
# following key_events; prints p50/p90/p99/max of commit -> apply.
# PostgreSQL nodes poll hourly, so changes travel by LISTEN/NOTIFY; the
# SQLite case (no notifications) polls every 20 ms.
#
#   BULWARK_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable bench/propagation.sh
#
# Runs in a schema of its own, dropped afterwards. Repeat with -count=N.
set -eu
cd "$(dirname "$0")/.."
: "${BULWARK_TEST_POSTGRES_URL:?set BULWARK_TEST_POSTGRES_URL to a PostgreSQL database the test may use}"
exec go test -run 'TestRevocationPropagation' -count=1 -v "$@" ./internal/store/changelog
