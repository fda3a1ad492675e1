#!/usr/bin/env bash
# Makes sure the local RabbitMQ the tests use is running at 127.0.0.1:5672 with the management API on 15672.
set -euo pipefail
log() { printf '[rabbitmq] %s\n' "$*" >&2; }
command -v rabbitmqctl >/dev/null || { echo "rabbitmq: rabbitmqctl not found; install RabbitMQ (Debian: apt-get install rabbitmq-server)" >&2; exit 1; }
if ! rabbitmqctl -q status >/dev/null 2>&1; then
  log "not running; starting it (rabbitmq-server -detached)"
  rabbitmq-server -detached
  rabbitmqctl -q wait --timeout 60 /var/lib/rabbitmq/mnesia/rabbit@"$(hostname -s)".pid >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do rabbitmqctl -q status >/dev/null 2>&1 && break; sleep 1; done
  rabbitmqctl -q status >/dev/null 2>&1 || { echo "rabbitmq: did not start; see /var/log/rabbitmq" >&2; exit 1; }
fi
if ! rabbitmq-plugins -q list -e 2>/dev/null | grep -q 'rabbitmq_management '; then
  log "enabling the management plugin (HTTP API on 15672)"
  rabbitmq-plugins -q enable rabbitmq_management >/dev/null
fi
for _ in $(seq 1 30); do curl -fsS -u guest:guest http://127.0.0.1:15672/api/overview >/dev/null 2>&1 && exit 0; sleep 1; done
echo "rabbitmq: the management API on 127.0.0.1:15672 does not answer" >&2
exit 1
