#!/usr/bin/env bash
# Makes sure the local RabbitMQ the tests use is running at 127.0.0.1:5672 with the management API on 15672, and
# a TLS listener on 127.0.0.1:5671 (management over HTTPS on 15671) with a private CA made here (openssl):
# /etc/rabbitmq/tls/{ca,server,client}.{crt,key} and other-ca.crt (a CA that signed nothing, for the wrong-CA tests).
# The client certificate (CN hare-client) logs in with SASL EXTERNAL as the user hare-client.
# A config change restarts the broker once; later runs find it in place and leave the broker alone.
set -euo pipefail
log() { printf '[rabbitmq] %s\n' "$*" >&2; }
command -v rabbitmqctl >/dev/null || { echo "rabbitmq: rabbitmqctl not found; install RabbitMQ (Debian: apt-get install rabbitmq-server)" >&2; exit 1; }
TLS_DIR=/etc/rabbitmq/tls
CONF=/etc/rabbitmq/rabbitmq.conf

restart=false
# The server certificate names 127.0.0.1 and localhost, and the local cluster's node address (test-e2e/cluster/config.ts),
# where pods reach the TLS listener through a forwarder.
NODE_IP=10.244.0.1
make_certs() {
  if [ -s "$TLS_DIR/client.key" ] && [ -s "$TLS_DIR/other-ca.crt" ]; then
    openssl x509 -in "$TLS_DIR/server.crt" -noout -ext subjectAltName 2>/dev/null | grep -q "IP Address:$NODE_IP" && return 0
    log "the server certificate does not name $NODE_IP: making the CA and certificates again"
  fi
  restart=true
  log "making a private CA and certificates in $TLS_DIR"
  mkdir -p "$TLS_DIR"
  local d; d=$(mktemp -d)
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=hare-test-ca -keyout "$TLS_DIR/ca.key" -out "$TLS_DIR/ca.crt" 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=hare-other-ca -keyout "$d/other.key" -out "$TLS_DIR/other-ca.crt" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,IP:%s,DNS:localhost\nextendedKeyUsage=serverAuth\n' "$NODE_IP" >"$d/server.ext"
  printf 'extendedKeyUsage=clientAuth\n' >"$d/client.ext"
  for who in server client; do
    local cn=localhost; [ "$who" = client ] && cn=hare-client
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$cn" -keyout "$TLS_DIR/$who.key" -out "$d/$who.csr" 2>/dev/null
    openssl x509 -req -in "$d/$who.csr" -CA "$TLS_DIR/ca.crt" -CAkey "$TLS_DIR/ca.key" -CAcreateserial -days 3650 \
      -extfile "$d/$who.ext" -out "$TLS_DIR/$who.crt" 2>/dev/null
  done
  rm -rf "$d"
  chown -R rabbitmq:rabbitmq "$TLS_DIR"
  chmod 644 "$TLS_DIR"/*.crt "$TLS_DIR/client.key"
  chmod 600 "$TLS_DIR/ca.key" "$TLS_DIR/server.key"
}

configure_tls() {
  grep -q '^listeners.ssl.default' "$CONF" 2>/dev/null && return 0
  log "adding the TLS listener (127.0.0.1:5671, management HTTPS 127.0.0.1:15671) to $CONF"
  cat >>"$CONF" <<CONF
listeners.ssl.default = 127.0.0.1:5671
ssl_options.cacertfile = $TLS_DIR/ca.crt
ssl_options.certfile = $TLS_DIR/server.crt
ssl_options.keyfile = $TLS_DIR/server.key
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = false
ssl_cert_login_from = common_name
auth_mechanisms.1 = PLAIN
auth_mechanisms.2 = AMQPLAIN
auth_mechanisms.3 = EXTERNAL
management.tcp.port = 15672
management.ssl.port = 15671
management.ssl.ip = 127.0.0.1
management.ssl.cacertfile = $TLS_DIR/ca.crt
management.ssl.certfile = $TLS_DIR/server.crt
management.ssl.keyfile = $TLS_DIR/server.key
CONF
  restart=true
}

make_certs
configure_tls
if ! grep -q rabbitmq_auth_mechanism_ssl /etc/rabbitmq/enabled_plugins 2>/dev/null; then
  log "enabling rabbitmq_auth_mechanism_ssl (SASL EXTERNAL) for the next start"
  rabbitmq-plugins -q --offline enable rabbitmq_auth_mechanism_ssl >/dev/null
  restart=true
fi
if $restart && rabbitmqctl -q status >/dev/null 2>&1; then
  log "restarting the broker once for its new configuration"
  rabbitmqctl -q stop >/dev/null
  for _ in $(seq 1 30); do rabbitmqctl -q status >/dev/null 2>&1 || break; sleep 1; done
fi
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
if ! rabbitmqctl -q list_users 2>/dev/null | grep -q '^hare-client'; then
  log "adding the user hare-client (no password: it logs in with its client certificate)"
  rabbitmqctl -q add_user hare-client "$(openssl rand -hex 16)" >/dev/null
  rabbitmqctl -q clear_password hare-client >/dev/null
  rabbitmqctl -q set_permissions -p / hare-client '.*' '.*' '.*' >/dev/null
fi
for _ in $(seq 1 30); do curl -fsS -u guest:guest http://127.0.0.1:15672/api/overview >/dev/null 2>&1 && exit 0; sleep 1; done
echo "rabbitmq: the management API on 127.0.0.1:15672 does not answer" >&2
exit 1
