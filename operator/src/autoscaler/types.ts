// Shared vocabulary of the autoscaler: what a queue-depth read returns and which queue it is about.
import type { BrokerTls } from './tls.ts';

/** The queue a pool consumes and how to reach its broker. URIs carry credentials: never log them. */
export interface QueueRef {
  /** amqp:// or amqps:// URI, credentials and vhost included (the pool's broker.uriSecretRef). */
  readonly uri: string;
  /** Optional management HTTP API base, http(s)://user:password@host:15672[/prefix]. */
  readonly managementUri?: string | undefined;
  /** Optional rabbitmq_prometheus base, http(s)://[user:password@]host:15692[/prefix]; unused when managementUri is set. */
  readonly prometheusUri?: string | undefined;
  /** Queue name (spec.queue.name). */
  readonly queue: string;
  /** CA and client certificate for amqps:// and https://, when the pool names a TLS Secret. */
  readonly tls?: BrokerTls | undefined;
}

/** Message rates from the management API, per second. Absent when the broker keeps no statistics. */
export interface QueueRates {
  readonly publish?: number;
  readonly deliverGet?: number;
}

/** A successful depth read. */
export interface QueueDepth {
  /** Messages ready for delivery (passive queue.declare: exact and current). */
  readonly ready: number;
  /**
   * Delivered, not yet acknowledged: from the pods' own in-flight counts (spec.runtime hare), else the
   * management API (its statistics lag a few seconds), else the Prometheus plugin; unknown without any of them.
   */
  readonly unacked?: number | undefined;
  /** Where `unacked` came from. */
  readonly unackedFrom?: 'pods' | 'management' | 'prometheus' | undefined;
  /** In-flight messages by pod name, from each pod that answered (pod-depth.ts). */
  readonly perPodUnacked?: Readonly<Record<string, number>> | undefined;
  /** Ready pods that did not answer: not in `unacked`; the busy floor holds a full prefetch for each (busy.ts). */
  readonly silentPods?: readonly string[] | undefined;
  /** Consumers on the queue. */
  readonly consumers: number;
  /**
   * Unacknowledged messages held by each consumer connection of this queue, keyed by the connection's
   * client-provided name (the consumer runtime names its connection after its pod), else the broker's name
   * for the connection. Management API only.
   */
  readonly perConnectionUnacked?: Readonly<Record<string, number>> | undefined;
  /**
   * The same counts by the connection's peer address (the pod IP when nothing translates it), every consumer
   * connection from one address together: it matches pods of images that name no connection. Management API only.
   */
  readonly perPeerUnacked?: Readonly<Record<string, number>> | undefined;
  readonly rates?: QueueRates | undefined;
}

/** Why a read failed, for conditions, metrics and tests; the message has the words. */
export type ReadFailureKind =
  | 'unreachable' // no connection to the broker (refused, DNS, TLS, reset, waiting to reconnect)
  | 'notFound' // the queue (or vhost) does not exist
  | 'accessRefused' // credentials or permissions
  | 'timeout' // the broker did not answer in time
  | 'protocol'; // anything else the broker or API answered

export interface ReadSuccess {
  readonly ok: true;
  readonly depth: QueueDepth;
  /** Wall-clock duration of the read. */
  readonly latencyMs: number;
}

export interface ReadFailure {
  readonly ok: false;
  readonly kind: ReadFailureKind;
  /** Human text without credentials. */
  readonly error: string;
  readonly latencyMs: number;
}

/** The result of one depth read. Sources return failures as values; they never reject. */
export type Reading = ReadSuccess | ReadFailure;

/** The depth a policy acts on: ready plus unacknowledged when the latter is known. */
export function totalDepth(depth: QueueDepth): number {
  return depth.ready + (depth.unacked ?? 0);
}

/** Minimal structured logger (pino-compatible). */
export interface AutoscalerLog {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** A logger that drops everything. */
export const silentLog: AutoscalerLog = { debug: () => undefined, info: () => undefined, warn: () => undefined };
