"""A reference consumer for hare-operator's generic pods, in Python with pika (Debian's python3-pika).

Reads the HARE_* environment (docs/pod-contract.md), declares the runtime's topology, consumes with retries
through the delay cascade and drains on SIGTERM: no new deliveries, every delivered message finished and acked.
"""
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pika

RETRY_HEADER = "retry_count"
DELIVERY_COUNT_HEADER = "x-delivery-count"  # quorum queues: deliveries that ended unsettled
ACQUIRED_COUNT_HEADER = "x-acquired-count"  # RabbitMQ 4 quorum queues: acquisitions, requeues included
ORIGIN_HEADERS = ("x-hare-original-exchange", "x-hare-original-routing-key")
EXIT_CONFIG = 2

log = logging.getLogger("hare-consumer")


class ConfigError(Exception):
    pass


def load_config(env):
    """The pod contract's environment; every problem is reported, each naming its variable."""
    problems = []

    def integer(name, default, low, high):
        raw = env.get(name, "").strip()
        if raw == "":
            return default
        if raw.isdigit() and low <= int(raw) <= high:
            return int(raw)
        problems.append(f"{name}: must be an integer from {low} to {high} (got {raw!r})")
        return default

    queue = env.get("HARE_QUEUE", "").strip()
    if not queue or any(c.isspace() for c in queue) or queue.startswith("amq."):
        problems.append("HARE_QUEUE: is required, without whitespace, not starting with 'amq.'")
    uri = env.get("HARE_BROKER_URI", "").strip()
    if not uri.startswith(("amqp://", "amqps://")):
        problems.append("HARE_BROKER_URI: must be an amqp:// or amqps:// URI (not shown, it may hold credentials)")
    queue_type = env.get("HARE_QUEUE_TYPE", "").strip() or "classic"
    declare = env.get("HARE_DECLARE", "").strip() or "operator"
    if declare not in ("operator", "none"):
        problems.append(f"HARE_DECLARE: must be operator or none (got {declare!r})")
    if queue_type not in ("classic", "quorum"):
        problems.append(f"HARE_QUEUE_TYPE: must be classic or quorum (got {queue_type!r})")
    raw_delays = env.get("HARE_RETRY_DELAYS_MS", "").strip() or "10000"
    parts = [p.strip() for p in raw_delays.split(",")]
    if not all(p.isdigit() and 1 <= int(p) <= 4294967295 for p in parts):
        problems.append(f"HARE_RETRY_DELAYS_MS: must be a comma-separated list of milliseconds (got {raw_delays!r})")
        parts = ["10000"]
    try:
        drain_timeout = float(env.get("HARE_DRAIN_TIMEOUT_SECONDS", "").strip() or "30")
    except ValueError:
        problems.append("HARE_DRAIN_TIMEOUT_SECONDS: must be a number of seconds")
        drain_timeout = 30.0
    config = {
        "uri": uri,
        "queue": queue,
        "exchange": env.get("HARE_EXCHANGE", "").strip(),
        "routing_key": env.get("HARE_ROUTING_KEY", "").strip() or queue,
        "prefetch": integer("HARE_PREFETCH", 1, 1, 65535),
        "queue_type": queue_type,
        "declare": declare,
        "retry_limit": integer("HARE_RETRY_LIMIT", 15, 0, 1_000_000),
        "delays": sorted(int(p) for p in parts),
        "redelivery_limit": integer("HARE_REDELIVERY_LIMIT", 10, 1, 1000),
        "drain_timeout": drain_timeout,
        "pod": env.get("HARE_POD_NAME", "").strip() or socket.gethostname(),
        "http_port": integer("HARE_HTTP_PORT", 0, 0, 65535),
    }
    if problems:
        raise ConfigError("invalid configuration: " + "; ".join(problems))
    return config


def declare_topology(channel, c):
    """exchange X -> exchange <queue> -> queue <queue>; <queue>.delay.<ms> dead-letter back; <queue>.dead.
    With HARE_DECLARE=none the topology is managed elsewhere: only check that the queues exist."""
    queue, rk = c["queue"], c["routing_key"]
    if c["declare"] == "none":
        for name in [queue, f"{queue}.dead"] + [f"{queue}.delay.{ms}" for ms in sorted(set(c["delays"]))]:
            channel.queue_declare(name, passive=True)  # raises ChannelClosedByBroker (404) when missing
        return
    type_args = {"x-queue-type": "quorum"} if c["queue_type"] == "quorum" else {}
    channel.exchange_declare(queue, "topic", durable=True)
    if c["exchange"] and c["exchange"] != queue:
        channel.exchange_declare(c["exchange"], "topic", durable=True)
        channel.exchange_bind(destination=queue, source=c["exchange"], routing_key=rk)
    channel.queue_declare(queue, durable=True, arguments=type_args)
    for ms in sorted(set(c["delays"])):
        args = {**type_args, "x-dead-letter-exchange": queue, "x-dead-letter-routing-key": rk, "x-message-ttl": ms}
        if c["queue_type"] == "quorum":  # quorum dead-lettering is at-most-once unless asked otherwise
            args.update({"x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"})
        channel.queue_declare(f"{queue}.delay.{ms}", durable=True, arguments=args)
    channel.queue_declare(f"{queue}.dead", durable=True, arguments=type_args)
    channel.queue_bind(queue, queue, routing_key=rk)


def handle(body, retry_count):
    """The example business logic: {"sleepMs": n} works n ms; {"failTimes": n} / {"fail": true} raise."""
    try:
        fields = json.loads(body)
    except ValueError:
        return
    if not isinstance(fields, dict):
        return
    if isinstance(fields.get("sleepMs"), (int, float)) and fields["sleepMs"] > 0:
        time.sleep(fields["sleepMs"] / 1000)
    fail_times = fields.get("failTimes")
    if fields.get("fail") is True or (isinstance(fail_times, int) and retry_count < fail_times):
        raise RuntimeError(f"refusing message {fields.get('id')!r} (delivery {retry_count + 1})")


class Consumer:
    """One broker session at a time; SIGTERM (stop()) drains it."""

    def __init__(self, config):
        self.c = config
        self.stopping = False
        self.ready = False
        self.draining = False
        self.held = []  # delivery tags handled during the drain, acked after basic.cancel
        self.last_delivery = 0.0  # when the last delivery was handled

    def stop(self, *_):
        self.stopping = True

    def run(self):
        """Consumes until stopped, then drains; raises pika's errors when the connection is lost."""
        params = pika.URLParameters(self.c["uri"])
        params.client_properties = {"connection_name": self.c["pod"], "product": "hare-operator Python reference consumer"}
        connection = pika.BlockingConnection(params)
        try:
            declare_topology(connection.channel(), self.c)
            self.publisher = connection.channel()
            self.publisher.confirm_delivery()  # basic_publish now waits for the broker's ack
            channel = connection.channel()
            channel.basic_qos(prefetch_count=self.c["prefetch"])
            tag = channel.basic_consume(self.c["queue"], self.on_message, consumer_tag=self.c["pod"])
            self.ready = True
            log.info("consuming %s (prefetch %d)", self.c["queue"], self.c["prefetch"])
            while not self.stopping:
                connection.process_data_events(time_limit=0.5)
            self.drain(connection, channel, tag)
        finally:
            self.ready = False
            if connection.is_open:
                connection.close()

    def drain(self, connection, channel, tag):
        """Finishes every delivered message. Acks are held meanwhile, so the prefetch window closes and the
        broker sends nothing more; then basic.cancel (pika would requeue deliveries still undispatched), then acks."""
        started = time.monotonic()
        deadline = started + self.c["drain_timeout"]
        log.info("drain started")
        self.draining = True
        self.last_delivery = time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - self.last_delivery < 0.3:
            connection.process_data_events(time_limit=0.05)
        channel.basic_cancel(tag)
        for delivery_tag in self.held:
            channel.basic_ack(delivery_tag)
        if time.monotonic() < deadline:
            log.info("drained in %d ms", (time.monotonic() - started) * 1000)
        else:
            log.warning("drain timed out; unfinished messages are left to the broker to redeliver")

    def on_message(self, channel, method, props, body):
        # pika dispatches deliveries that arrive meanwhile in the same call: hold acks from the signal on,
        # or an ack frees credit for the next delivery and the dispatch never returns to the drain
        self.draining = self.draining or self.stopping
        try:
            self.process(channel, method, props, body)
        finally:
            self.last_delivery = time.monotonic()  # the drain waits for quiet after the last one handled

    def process(self, channel, method, props, body):
        headers = dict(props.headers or {})
        retries = int(headers.get(RETRY_HEADER) or 0)
        failure, target, dead_cause = None, None, None
        if int(headers.get(DELIVERY_COUNT_HEADER) or 0) >= self.c["redelivery_limit"]:
            failure, target, dead_cause = "delivered too often unsettled", f"{self.c['queue']}.dead", "redelivery-limit"
        else:
            try:
                handle(body, retries)
            except Exception as err:  # the handler's failure is retried, never lost
                failure = str(err)
                target, retries, dead_cause = self.route(retries)
        if failure is not None:  # where it was first published; the first copy's origin stays
            headers = {ORIGIN_HEADERS[0]: method.exchange, ORIGIN_HEADERS[1]: method.routing_key, **headers}
        if failure is not None and not self.hand_on(props, headers, body, target, retries, dead_cause, failure):
            time.sleep(1)  # a broken topology must not become a hot loop
            channel.basic_nack(method.delivery_tag, requeue=True)
            return
        self.settle(channel, method.delivery_tag)

    def route(self, retries):
        """Retry n+1 waits delays[min(n, last)]; past HARE_RETRY_LIMIT the message goes to <queue>.dead."""
        if retries >= self.c["retry_limit"]:
            return f"{self.c['queue']}.dead", retries, "retry-limit"
        delay = self.c["delays"][min(retries, len(self.c["delays"]) - 1)]
        return f"{self.c['queue']}.delay.{delay}", retries + 1, None

    def hand_on(self, props, headers, body, target, retries, dead_cause, reason):
        """Republishes the copy with the runtime's headers and waits for the confirm; False if it failed."""
        headers.pop(DELIVERY_COUNT_HEADER, None)  # they count deliveries of the original, not of the copy
        headers.pop(ACQUIRED_COUNT_HEADER, None)
        headers[RETRY_HEADER] = retries
        if dead_cause:
            headers.update({"x-hare-dead-cause": dead_cause, "x-hare-dead-reason": reason[:1000]})
        copy = pika.BasicProperties(
            content_type=props.content_type, content_encoding=props.content_encoding, headers=headers, delivery_mode=2,
            priority=props.priority, correlation_id=props.correlation_id, reply_to=props.reply_to,
            message_id=props.message_id, timestamp=props.timestamp, type=props.type, app_id=props.app_id)
        try:
            self.publisher.basic_publish("", target, body, properties=copy, mandatory=True)
        except (pika.exceptions.UnroutableError, pika.exceptions.NackError) as err:
            log.error("could not hand the message on to %s (%s); returning it to the queue", target, err)
            return False
        log.warning("handler failed (%s); handed on to %s", reason, target)
        return True

    def settle(self, channel, delivery_tag):
        if self.draining:
            self.held.append(delivery_tag)
        else:
            channel.basic_ack(delivery_tag)


def serve_health(port, consumer):
    """The contract's optional probes: /healthz (alive) and /readyz (consuming)."""

    class Probes(BaseHTTPRequestHandler):
        def do_GET(self):
            status = {"/healthz": 200, "/readyz": 200 if consumer.ready else 503}.get(self.path, 404)
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"ok\n" if status == 200 else b"no\n")

        def log_message(self, *_):
            pass

    server = ThreadingHTTPServer(("", port), Probes)
    threading.Thread(target=server.serve_forever, daemon=True).start()


def main():
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stdout)
    logging.getLogger("pika").setLevel(logging.WARNING)
    try:
        config = load_config(os.environ)
    except ConfigError as err:
        log.error("%s", err)
        sys.exit(EXIT_CONFIG)
    consumer = Consumer(config)
    signal.signal(signal.SIGTERM, consumer.stop)
    signal.signal(signal.SIGINT, consumer.stop)
    if config["http_port"]:
        serve_health(config["http_port"], consumer)
    attempt = 0
    while True:
        try:
            consumer.run()
            log.info("exiting")
            return
        except pika.exceptions.AMQPConnectionError as err:
            if consumer.stopping:
                return
            delay = min(0.5 * 2 ** min(attempt, 5), 15)
            attempt += 1
            log.warning("lost the broker connection (%r); reconnecting in %.1f s", err, delay)
            time.sleep(delay)


if __name__ == "__main__":
    main()
