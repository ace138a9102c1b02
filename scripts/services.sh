#!/usr/bin/env bash
# Starts local PostgreSQL and Redis when they are installed but not running (the
# machines this project runs on install both; see the README). Idempotent.
set -uo pipefail

if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
fi
if command -v redis-cli >/dev/null 2>&1 && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  fi
fi
for i in $(seq 1 30); do
  pg_ok=1; redis_ok=1
  command -v pg_isready >/dev/null 2>&1 && { pg_isready -q -h 127.0.0.1 -p 5432 || pg_ok=0; }
  command -v redis-cli >/dev/null 2>&1 && { redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis_ok=0; }
  [ "$pg_ok" = 1 ] && [ "$redis_ok" = 1 ] && exit 0
  sleep 1
done
echo "warning: PostgreSQL or Redis did not come up; tests that need them will fail" >&2
