#!/usr/bin/env bash
# Start the local Redis (127.0.0.1:6379) and PostgreSQL (127.0.0.1:5432) if they are down: the tests use
# both for real and never skip. Safe to run again; prints only what it starts.
set -euo pipefail

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
pg_up() { pg_isready -q -h 127.0.0.1 -p 5432; }

if ! redis_up; then
  echo "ensure-services: starting redis-server on 127.0.0.1:6379"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/jjj-test.log
  for _ in $(seq 50); do redis_up && break; sleep 0.1; done
  redis_up || { echo "ensure-services: redis did not start" >&2; exit 1; }
fi

if ! pg_up; then
  echo "ensure-services: starting PostgreSQL on 127.0.0.1:5432"
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$version" ]; then
    echo "ensure-services: no PostgreSQL cluster found (run scripts/install-system.sh)" >&2
    exit 1
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || pg_ctlcluster "$version" main start
  for _ in $(seq 100); do pg_up && break; sleep 0.1; done
  pg_up || { echo "ensure-services: PostgreSQL did not start" >&2; exit 1; }
fi
