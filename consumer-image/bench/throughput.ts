// CPU benchmark: the runtime (real entrypoint, no-op module) vs a bare amqplib consumer, same queue shape, same
// prefetch, same pre-filled messages, alternating over several rounds. The main figure is CPU time (user + system)
// per message, medians and their ratio; throughput is printed too, but it swings with the machine's other load.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from 'amqplib';
import type { ChannelModel } from 'amqplib';
import { childEnv, readBenchConfig } from './config.ts';
import type { BenchConfig } from './config.ts';
import { attribute, attributionTable } from './profile.ts';

type Contender = 'bare amqplib' | 'hare runtime';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const TIMEOUT_MS = 300_000;
const SETTLE_MS = 2_000;

/** Fills a fresh queue with warmup + N identical raw messages (no content type: no JSON decode on either side). */
async function fill(connection: ChannelModel, queue: string, config: BenchConfig): Promise<void> {
  const channel = await connection.createConfirmChannel();
  await channel.assertQueue(queue, { durable: true });
  const body = Buffer.alloc(config.bodyBytes, 'x');
  const total = config.warmup + config.messages;
  for (let i = 0; i < total; i++) {
    channel.sendToQueue(queue, body, { headers: { 'x-bench-warmup': config.warmup, 'x-bench-total': total } });
    if (i % 1000 === 999) await channel.waitForConfirms();
  }
  await channel.waitForConfirms();
  await channel.close();
}

interface Sample {
  /** Messages per second, first to N-th message. */
  readonly rate: number;
  /** CPU time of the consumer process per message, microseconds. */
  readonly cpuUsPerMessage: number;
}

/** Starts one consumer process; after the warm-up it reports the time and CPU of the next N messages. */
function measure(who: Contender, queue: string, config: BenchConfig, profilePath = ''): Promise<Sample> {
  const profile = { HARE_BENCH_PROFILE: profilePath };
  const child =
    who === 'bare amqplib'
      ? spawn(process.execPath, [here('./bare-consumer.ts'), config.brokerUri, queue, String(config.prefetch), String(config.warmup), String(config.warmup + config.messages), config.handler], {
          stdio: ['ignore', 'pipe', 'inherit'],
          env: childEnv(profile),
        })
      : spawn(process.execPath, [here('../src/main.ts')], {
          stdio: ['ignore', 'pipe', 'inherit'],
          env: childEnv({
            ...profile,
            HARE_MODULE: config.handler === 'sync' ? 'noop' : 'noop-async',
            HARE_MODULES_DIR: here('./modules'),
            HARE_BROKER_URI: config.brokerUri,
            HARE_QUEUE: queue,
            HARE_PREFETCH: String(config.prefetch),
            HARE_HTTP_PORT: '0',
            HARE_POD_NAME: `bench-${queue}`,
          }),
        });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${who} did not finish within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = /"bench":\{"count":(\d+),"ms":([\d.]+),"cpuUs":(\d+)\}/.exec(buffered);
      if (match === null) return;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve({ rate: config.messages / (Number(match[2]) / 1000), cpuUsPerMessage: Number(match[3]) / config.messages });
    });
    child.once('exit', (code) => code !== null && code !== 0 && reject(new Error(`${who} exited with ${code}`)));
  });
}

async function cleanup(connection: ChannelModel, queue: string): Promise<void> {
  const channel = await connection.createChannel();
  for (const q of [queue, `${queue}.delay.10000`, `${queue}.dead`]) await channel.deleteQueue(q);
  await channel.deleteExchange(queue);
  await channel.close();
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** One run of `who` on a fresh, pre-filled queue of its own. */
async function run(connection: ChannelModel, who: Contender, tag: string, config: BenchConfig, profilePath?: string): Promise<Sample> {
  const queue = `bench.${Date.now().toString(36)}.${tag}.${who === 'bare amqplib' ? 'bare' : 'hare'}`;
  await fill(connection, queue, config);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS)); // let the broker finish taking the burst in
  const sample = await measure(who, queue, config, profilePath);
  await cleanup(connection, queue);
  return sample;
}

const CONTENDERS = ['bare amqplib', 'hare runtime'] as const;
const us = (v: number): string => `${v.toFixed(1)} us`;
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');

async function main(): Promise<void> {
  const config = readBenchConfig();
  const connection = await connect(config.brokerUri);
  const samples: Record<Contender, Sample[]> = { 'bare amqplib': [], 'hare runtime': [] };
  const cpuRatios: number[] = [];
  console.log(`consumer CPU per message: ${config.messages} timed messages (after ${config.warmup} warm-up) x ${config.rounds} rounds, prefetch ${config.prefetch}, ${config.bodyBytes}-byte bodies, ${config.handler} no-op handler`);
  console.log(`load average at start: ${load()}`);
  for (let round = 1; round <= config.rounds; round++) {
    // alternate who goes first, so warm-up and background load fall on both sides
    const order: Contender[] = round % 2 === 1 ? ['bare amqplib', 'hare runtime'] : ['hare runtime', 'bare amqplib'];
    const line: string[] = [];
    for (const who of order) {
      const sample = await run(connection, who, String(round), config);
      samples[who].push(sample);
      line.push(`${who} ${us(sample.cpuUsPerMessage)} CPU/msg (${Math.round(sample.rate)} msg/s)`);
    }
    cpuRatios.push(samples['hare runtime'].at(-1)!.cpuUsPerMessage / samples['bare amqplib'].at(-1)!.cpuUsPerMessage);
    console.log(`round ${round}: ${line.join(', ')}; CPU ratio ${cpuRatios.at(-1)!.toFixed(3)}`);
  }
  const rate = (who: Contender): number => median(samples[who].map((s) => s.rate));
  const cpu = (who: Contender): number => median(samples[who].map((s) => s.cpuUsPerMessage));
  console.log(`load average at end:   ${load()}`);
  console.log(`CPU per message, median: bare amqplib ${us(cpu('bare amqplib'))}, hare runtime ${us(cpu('hare runtime'))}`);
  console.log(`CPU ratio (hare / bare): ${(cpu('hare runtime') / cpu('bare amqplib')).toFixed(3)} of the medians, ${median(cpuRatios).toFixed(3)} median of the per-round ratios (target <= 1.05)`);
  console.log(`throughput, median: bare amqplib ${Math.round(rate('bare amqplib'))} msg/s, hare runtime ${Math.round(rate('hare runtime'))} msg/s, ratio ${(rate('hare runtime') / rate('bare amqplib')).toFixed(3)} (swings with other load)`);
  if (config.profileDir !== undefined) await profile(connection, config, config.profileDir);
  await connection.close();
}

/** One more run of each with a CPU profile of the timed window; prints where each one's CPU went. */
async function profile(connection: ChannelModel, config: BenchConfig, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const paths = { 'bare amqplib': join(dir, 'bare.cpuprofile'), 'hare runtime': join(dir, 'hare.cpuprofile') };
  const profiled = [];
  for (const who of CONTENDERS) {
    const sample = await run(connection, who, 'profile', config, paths[who]);
    profiled.push({ name: who, attribution: attribute(paths[who]), cpuUsPerMessage: sample.cpuUsPerMessage });
  }
  console.log(`CPU profiles (sampled every 100 us over the timed window; the profiler's own cost included): ${paths['bare amqplib']}, ${paths['hare runtime']}`);
  for (const row of attributionTable(profiled[0]!, profiled[1]!)) console.log(row);
}

await main();
