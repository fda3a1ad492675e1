// One conformance run: a fresh test pool, the consumer started with its HARE_* env, the points in order, clean-up.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { deadQueueName, delayQueueDelays, delayQueueName } from '../../consumer-image/src/routing.ts';
import type { KitOptions } from './args.ts';
import { KitBroker } from './broker.ts';
import { judgeDrain, sigtermUnderLoad } from './drain.ts';
import { inspectImage, launchCommand, launchImage } from './launch.ts';
import type { Exit, Launched } from './launch.ts';
import { topologyPlan } from '../../consumer-image/src/topology-plan.ts';
import { ackBatch, connectionName, consuming, deadLetters, endpoints, retries } from './points.ts';
import type { Subject } from './points.ts';
import { freshPool, poolEnv } from './pool.ts';
import type { TestPool } from './pool.ts';
import type { Point, Report } from './report.ts';

const START_TIMEOUT_MS = 30_000;
const STEP_TIMEOUT_MS = 20_000;
/** The cascade of the test pool takes 0.9 s; a message still not back by then was not retried. */
const RETRY_TIMEOUT_MS = 8_000;

export async function runKit(options: KitOptions, now: () => number = () => performance.now()): Promise<Report> {
  const pool = freshPool(options.queueType, await freePort());
  const env = { ...poolEnv(pool, options.brokerUri, options.module), ...Object.fromEntries(options.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])) };
  const target = options.target.kind === 'image' ? `image ${options.target.image}` : `command ${options.target.command}`;
  const broker = await KitBroker.open(options.brokerUri).catch((cause: unknown) => {
    throw new Error(`the broker at ${options.brokerUri.replace(/\/\/[^@]*@/, '//')} is not reachable`, { cause });
  });
  const points: Point[] = [];
  let consumer: Launched | undefined;
  try {
    const { queue, exchange, queueType, retryDelaysMs } = pool;
    await broker.declare(topologyPlan({ queue, exchange, routingKey: queue, queueType, retryDelaysMs }));
    if (options.target.kind === 'image') {
      const image = await inspectImage(options.target.image).catch((cause: unknown) => {
        throw new Error(`buildah does not know the image ${options.target.kind === 'image' ? options.target.image : ''} (build or pull it first)`, { cause });
      });
      points.push(nonRootUser(image.facts.user));
      consumer = await launchImage(options.target.image, image.json, pool.podName, env);
    } else {
      consumer = launchCommand(options.target.command, env);
    }
    points.push(...(await checks(broker, pool, consumer, options.managementUrl, now)));
    return { target, queue: pool.queue, podName: pool.podName, points, tail: consumer.tail() };
  } finally {
    await consumer?.dispose();
    await broker.remove(poolQueues(pool), [pool.queue, pool.exchange]);
    await broker.close();
  }
}

async function checks(broker: KitBroker, pool: TestPool, consumer: Launched, managementUrl: string, now: () => number): Promise<Point[]> {
  let exit: Exit | undefined;
  void consumer.exited.then((e) => (exit = e));
  const s: Subject = { broker, pool, consumer, exit: () => exit, now };
  const started = now();
  const first = await consuming(s, started, START_TIMEOUT_MS);
  if (!first.passed) {
    const skipped: Point = { name: 'drains on SIGTERM', required: true, passed: false, detail: 'not run: the consumer never consumed' };
    return [first, skipped];
  }
  const tapped = await broker.tap(tapQueue(pool), pool.queue, pool.queue).catch(() => []);
  const acks = await ackBatch(s, 20, STEP_TIMEOUT_MS);
  const retried = await retries(s, tapped, RETRY_TIMEOUT_MS);
  const dead = await deadLetters(s, RETRY_TIMEOUT_MS);
  const named = await connectionName(s, managementUrl, 15_000);
  const http = await endpoints(s);
  const drain = await sigtermUnderLoad(s, 1000, 50);
  const swept = await broker.sweep(pool.queue).catch(() => []);
  return [first, acks(swept), retried(swept), dead, named, http, judgeDrain(drain, swept)];
}

function nonRootUser(user: string): Point {
  const name = 'runs as a numeric non-root user';
  const uid = user.split(':')[0] ?? '';
  const ok = /^\d+$/.test(uid) && uid !== '0';
  const detail = ok ? `USER ${user}` : `USER is ${user === '' ? 'unset (root)' : JSON.stringify(user)}: pods run with runAsNonRoot, which needs a numeric uid other than 0`;
  return { name, required: true, passed: ok, detail };
}

const tapQueue = (pool: TestPool): string => `${pool.queue}.conformance-tap`;

function poolQueues(pool: TestPool): string[] {
  return [pool.queue, ...delayQueueDelays(pool.retryDelaysMs).map((ms) => delayQueueName(pool.queue, ms)), deadQueueName(pool.queue), tapQueue(pool)];
}

/** A port free on the host now (the consumer shares the host's network namespace). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
