// Benchmark settings: command-line flags and the environment handed to the consumer processes.
import { parseArgs } from 'node:util';

export interface BenchConfig {
  readonly brokerUri: string;
  /** Timed messages per run. */
  readonly messages: number;
  /** Messages each consumer handles before timing starts (JIT and GC settle). */
  readonly warmup: number;
  readonly rounds: number;
  readonly prefetch: number;
  readonly bodyBytes: number;
  /** The no-op handler returns at once (sync) or is an async function (async). */
  readonly handler: 'sync' | 'async';
  /** With --profile <dir>: one more run of each, CPU-profiled over the timed window, profiles written there. */
  readonly profileDir: string | undefined;
}

/** `npm run bench:consumer -- --messages 20000 --warmup 5000 --rounds 7 --prefetch 100 --body-bytes 256 --handler sync|async [--profile <dir>]` */
export function readBenchConfig(argv: readonly string[] = process.argv.slice(2)): BenchConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      messages: { type: 'string', default: '20000' },
      warmup: { type: 'string', default: '5000' },
      rounds: { type: 'string', default: '7' },
      prefetch: { type: 'string', default: '100' },
      'body-bytes': { type: 'string', default: '256' },
      handler: { type: 'string', default: 'sync' },
      profile: { type: 'string' },
    },
  });
  const num = (name: string, v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer (got ${v})`);
    return n;
  };
  return {
    brokerUri: process.env.HARE_BENCH_BROKER_URI ?? 'amqp://guest:guest@127.0.0.1:5672',
    messages: num('messages', values.messages),
    warmup: num('warmup', values.warmup),
    rounds: num('rounds', values.rounds),
    prefetch: num('prefetch', values.prefetch),
    bodyBytes: num('body-bytes', values['body-bytes']),
    handler: handlerOf(values.handler),
    profileDir: values.profile,
  };
}

function handlerOf(v: string): 'sync' | 'async' {
  if (v !== 'sync' && v !== 'async') throw new Error(`--handler must be sync or async (got ${v})`);
  return v;
}

/** The parent's environment plus `extra` (PATH and friends must reach the child). */
export function childEnv(extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}
