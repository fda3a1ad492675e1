// Runtime configuration: parses and validates the pod-contract environment into a typed, immutable config.
import { ENV, HTTP_PORT } from './contract.ts';
import type { TlsFiles } from './tls.ts';

export type QueueType = 'classic' | 'quorum';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface RuntimeConfig {
  readonly module: string;
  readonly modulesDir: string;
  /** Secret: never log it; use redact.ts. */
  readonly brokerUri: string;
  readonly queue: string;
  readonly exchange: string | undefined;
  readonly routingKey: string;
  readonly prefetch: number;
  readonly queueType: QueueType;
  /** operator: declare the topology (again, as a check); none: managed elsewhere, only check that it exists. */
  readonly declare: 'operator' | 'none';
  readonly retryLimit: number;
  /** Sorted ascending, as HareMq sorts its cascade; the last value repeats. */
  readonly retryDelaysMs: readonly number[];
  /** Quorum queues: a message redelivered this many times unsettled goes to the dead queue unhandled. */
  readonly redeliveryLimit: number;
  readonly drainTimeoutMs: number;
  /** A handler still running after this long is aborted and its message retried; undefined: no limit. */
  readonly handlerTimeoutMs: number | undefined;
  /** consumeBatch modules: flush at `size` messages or `maxWaitMs` after the first; undefined for consume modules. */
  readonly batch: BatchConfig | undefined;
  readonly podName: string;
  readonly podNamespace: string | undefined;
  readonly pool: string | undefined;
  readonly httpPort: number;
  readonly logLevel: LogLevel;
  /** HARE_TLS_*: files from the pool's broker TLS Secret (CA; client certificate and key for SASL EXTERNAL). */
  readonly tls: TlsFiles;
}

export interface BatchConfig {
  readonly size: number;
  readonly maxWaitMs: number;
}

export type Env = Readonly<Record<string, string | undefined>>;
export type ConfigResult = { ok: true; config: RuntimeConfig } | { ok: false; errors: string[] };

export const DEFAULTS = {
  modulesDir: '/app/modules',
  prefetch: 1,
  retryLimit: 15,
  retryDelaysMs: '10000',
  // below RabbitMQ 4's default quorum delivery-limit (20), past which the broker drops the message
  redeliveryLimit: 10,
  drainTimeoutSeconds: 30,
  batchMaxWaitMs: 1000,
} as const;

const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
const MODULE_NAME = /^(@[a-z0-9][\w.-]*\/)?[A-Za-z0-9_][\w.-]*$/;
/** x-message-ttl is an unsigned 32-bit integer. */
const MAX_TTL_MS = 4_294_967_295;
/** AMQP short strings (queue and routing-key names) are at most 255 bytes. */
const MAX_NAME_BYTES = 255;

interface Reader {
  readonly errors: string[];
  fail(name: string, problem: string): void;
  /** The trimmed value; empty counts as unset. */
  text(name: string): string | undefined;
  required(name: string): string;
  int(name: string, def: number, min: number, max: number): number;
  oneOf<T extends string>(name: string, def: T, allowed: readonly T[]): T;
}

function reader(env: Env): Reader {
  const errors: string[] = [];
  const r: Reader = {
    errors,
    fail: (name, problem) => void errors.push(`${name}: ${problem}`),
    text: (name) => {
      const v = env[name]?.trim();
      return v === undefined || v === '' ? undefined : v;
    },
    required: (name) => r.text(name) ?? (r.fail(name, 'is required'), ''),
    int: (name, def, min, max) => {
      const raw = r.text(name);
      if (raw === undefined) return def;
      const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
      r.fail(name, `must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
      return def;
    },
    oneOf: (name, def, allowed) => {
      const raw = r.text(name) ?? def;
      if ((allowed as readonly string[]).includes(raw)) return raw as typeof def;
      r.fail(name, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(raw)})`);
      return def;
    },
  };
  return r;
}

/** Parses the environment; every problem is reported, each naming its variable. Never echoes the broker URI. */
export function parseConfig(env: Env, hostname: string): ConfigResult {
  const r = reader(env);
  const module = r.required(ENV.module);
  if (module !== '' && (!MODULE_NAME.test(module) || module.includes('..'))) {
    r.fail(ENV.module, `must be a module file/folder name or a package name (got ${JSON.stringify(module)})`);
  }
  const brokerUri = r.required(ENV.brokerUri);
  if (brokerUri !== '') checkBrokerUri(brokerUri, (p) => r.fail(ENV.brokerUri, p));
  const config: RuntimeConfig = {
    module,
    modulesDir: r.text(ENV.modulesDir) ?? DEFAULTS.modulesDir,
    brokerUri,
    ...readQueue(r),
    drainTimeoutMs: Math.round(parseSeconds(r.text(ENV.drainTimeoutSeconds), (p) => r.fail(ENV.drainTimeoutSeconds, p)) * 1000),
    handlerTimeoutMs: handlerTimeoutMs(r),
    batch: undefined,
    podName: r.text(ENV.podName) ?? hostname,
    podNamespace: r.text(ENV.podNamespace),
    pool: r.text(ENV.pool),
    httpPort: r.int(ENV.httpPort, HTTP_PORT, 0, 65_535),
    logLevel: r.oneOf(ENV.logLevel, 'info', LOG_LEVELS),
    tls: readTls(r),
  };
  const batch = readBatch(r, config.prefetch);
  return r.errors.length > 0 ? { ok: false, errors: r.errors } : { ok: true, config: { ...config, batch } };
}

/** HARE_BATCH_SIZE unset: no batching. Set: at most the prefetch (a larger batch could never fill). */
function readBatch(r: Reader, prefetch: number): BatchConfig | undefined {
  const maxWaitMs = r.int(ENV.batchMaxWaitMs, DEFAULTS.batchMaxWaitMs, 1, 3_600_000);
  if (r.text(ENV.batchSize) === undefined) {
    if (r.text(ENV.batchMaxWaitMs) !== undefined) r.fail(ENV.batchMaxWaitMs, `is set but ${ENV.batchSize} is not`);
    return undefined;
  }
  const size = r.int(ENV.batchSize, 1, 1, 65_535);
  if (size > prefetch) r.fail(ENV.batchSize, `must be at most ${ENV.prefetch} (${prefetch}): a batch of ${size} could never fill`);
  return { size, maxWaitMs };
}

function readTls(r: Reader): TlsFiles {
  const tls = { caFile: r.text(ENV.tlsCaFile), certFile: r.text(ENV.tlsCertFile), keyFile: r.text(ENV.tlsKeyFile) };
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) r.fail(tls.certFile === undefined ? ENV.tlsCertFile : ENV.tlsKeyFile, `is required with ${tls.certFile === undefined ? ENV.tlsKeyFile : ENV.tlsCertFile}`);
  return tls;
}

type QueueConfig = Pick<RuntimeConfig, 'queue' | 'exchange' | 'routingKey' | 'prefetch' | 'queueType' | 'declare' | 'retryLimit' | 'retryDelaysMs' | 'redeliveryLimit'>;

function readQueue(r: Reader): QueueConfig {
  const queue = r.required(ENV.queue);
  if (/\s/.test(queue)) r.fail(ENV.queue, 'must not contain whitespace');
  if (queue.startsWith('amq.')) r.fail(ENV.queue, "must not start with 'amq.' (reserved by RabbitMQ)");
  const routingKey = r.text(ENV.routingKey) ?? queue;
  if (Buffer.byteLength(routingKey) > MAX_NAME_BYTES) r.fail(ENV.routingKey, `must be at most ${MAX_NAME_BYTES} bytes`);
  const retryDelaysMs = parseDelays(r.text(ENV.retryDelaysMs) ?? DEFAULTS.retryDelaysMs, (p) => r.fail(ENV.retryDelaysMs, p));
  const longest = `${queue}.delay.${Math.max(0, ...retryDelaysMs)}`;
  if (Buffer.byteLength(longest) > MAX_NAME_BYTES) r.fail(ENV.queue, `is too long: ${longest} exceeds ${MAX_NAME_BYTES} bytes`);
  return {
    queue,
    exchange: r.text(ENV.exchange),
    routingKey,
    prefetch: r.int(ENV.prefetch, DEFAULTS.prefetch, 1, 65_535),
    queueType: r.oneOf<QueueType>(ENV.queueType, 'classic', ['classic', 'quorum']),
    declare: r.oneOf(ENV.declare, 'operator', ['operator', 'none']),
    retryLimit: r.int(ENV.retryLimit, DEFAULTS.retryLimit, 0, 1_000_000),
    retryDelaysMs,
    redeliveryLimit: r.int(ENV.redeliveryLimit, DEFAULTS.redeliveryLimit, 1, 1_000),
  };
}

function checkBrokerUri(uri: string, fail: (problem: string) => void): void {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return fail('must be an amqp:// or amqps:// URI (the value does not parse as a URI; not shown, it may hold credentials)');
  }
  if (url.protocol !== 'amqp:' && url.protocol !== 'amqps:') {
    fail(`must be an amqp:// or amqps:// URI (got scheme ${JSON.stringify(url.protocol)})`);
  } else if (url.hostname === '') fail('must name a host');
}

function parseDelays(raw: string, fail: (problem: string) => void): number[] {
  const parts = raw.split(',').map((s) => s.trim());
  const delays = parts.map(Number);
  const bad = parts.filter((s, i) => !/^\d+$/.test(s) || delays[i]! < 1 || delays[i]! > MAX_TTL_MS);
  if (bad.length > 0) {
    fail(`must be a comma-separated list of integers from 1 to ${MAX_TTL_MS} milliseconds (bad: ${JSON.stringify(bad.join(','))})`);
    return [];
  }
  return delays.sort((a, b) => a - b);
}

/** Unset or 0: no handler timeout. */
function handlerTimeoutMs(r: Reader): number | undefined {
  const raw = r.text(ENV.handlerTimeoutSeconds);
  if (raw === undefined) return undefined;
  const ms = Math.round(parseSeconds(raw, (p) => r.fail(ENV.handlerTimeoutSeconds, p)) * 1000);
  return ms > 0 ? ms : undefined;
}

function parseSeconds(raw: string | undefined, fail: (problem: string) => void): number {
  if (raw === undefined) return DEFAULTS.drainTimeoutSeconds;
  const n = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (Number.isFinite(n) && n <= 86_400) return n;
  fail(`must be a number of seconds from 0 to 86400 (got ${JSON.stringify(raw)})`);
  return DEFAULTS.drainTimeoutSeconds;
}
