#!/bin/sh
# The chaos run (docs/reliability.md): three Bulwark nodes on a private
# PostgreSQL and Redis, an upstream and a JWKS issuer, all on loopback and
# started by the program, under steady load at 70 % of the capacity it
# measures first. Phase by phase it kills Redis (kill -9), stops PostgreSQL,
# kills the upstream, kills a node, reloads the config (SIGHUP) and rotates
# the JWKS key, then checks every acknowledged write against the store.
#
#   bench/chaos.sh                     # the report goes to bench/results/chaos-*.md
#   bench/chaos.sh -wait-for-store     # the same with audit.wait_for_store
#
# Needs redis-server and PostgreSQL's initdb/pg_ctl/postgres on the PATH (or in
# /usr/local/bin); as root, PostgreSQL runs as the "postgres" user. It never
# touches a Redis or PostgreSQL it did not start.
set -eu
cd "$(dirname "$0")/.."
exec go run ./bench/chaos -mode chaos "$@"
