// The handler-outcome matrix against the real broker: for every way a handler can end, where the message ends up
// (acked, or <queue>.dead with which cause) and how many times the handler ran. Every row is bounded; a hang is
// bounded by the handler timeout (HARE_HANDLER_TIMEOUT_SECONDS), which counts as a retry.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBroker, uniqueName } from './testing/broker.ts';
import type { RecordCollector } from './testing/broker.ts';
import { deadMessages } from './testing/dead.ts';
import type { ProbeBody } from './testing/modules/probe.ts';
import { startRuntime } from './testing/runtime.ts';
import type { RuntimeProcess } from './testing/runtime.ts';
import { sleep } from './testing/wait.ts';

let broker: TestBroker;
let runtime: RuntimeProcess | undefined;

beforeEach(async () => void (broker = await TestBroker.open()));
afterEach(async () => {
  runtime?.stop();
  await broker.close();
});

const RETRY_LIMIT = 2;
const RUNS_UNTIL_RETRY_LIMIT = RETRY_LIMIT + 1;
const HANDLER_TIMEOUT_SECONDS = 0.5;

/** One outcome: the message that produces it, and where it must end up after how many handler runs. */
interface Row {
  readonly outcome: string;
  readonly body: Omit<ProbeBody, 'id'>;
  readonly ends: 'acked' | 'nowhere' | `dead: ${string}`;
  readonly runs: number;
}

const throwing = (['error', 'string', 'none', 'null', 'object', 'null-proto'] as const).map(
  (k): Row => ({ outcome: `throw ${k}`, body: { fail: 'always', ...(k === 'error' ? {} : { throwWith: k }) }, ends: 'dead: retry-limit', runs: RUNS_UNTIL_RETRY_LIMIT }),
);
const rejecting = (['string', 'none', 'null', 'error', 'object', 'number', 'null-proto'] as const).map(
  (k): Row => ({ outcome: `reject(${k})`, body: { reject: true, ...(k === 'string' ? {} : { rejectWith: k }) }, ends: 'dead: rejected', runs: 1 }),
);
const ROWS: readonly Row[] = [
  { outcome: 'return', body: {}, ends: 'acked', runs: 1 },
  ...throwing,
  { outcome: 'rejected promise (Error)', body: { fail: 'always', rejectPromise: true }, ends: 'dead: retry-limit', runs: RUNS_UNTIL_RETRY_LIMIT },
  { outcome: 'rejected promise (undefined)', body: { fail: 'always', rejectPromise: true, throwWith: 'none' }, ends: 'dead: retry-limit', runs: RUNS_UNTIL_RETRY_LIMIT },
  { outcome: 'retry()', body: { fail: 'always', retryResult: true }, ends: 'dead: retry-limit', runs: RUNS_UNTIL_RETRY_LIMIT },
  { outcome: 'throw once, then return', body: { fail: 1 }, ends: 'acked', runs: 2 },
  { outcome: `hang past the handler timeout (${HANDLER_TIMEOUT_SECONDS} s)`, body: { hang: 'always' }, ends: 'dead: retry-limit', runs: RUNS_UNTIL_RETRY_LIMIT },
  ...rejecting,
];

/** The observed table: for each row, where its message ended up and how many handler runs were recorded. */
async function observe(queue: string, records: RecordCollector, rows: readonly Row[]): Promise<Row[]> {
  const deadCount = rows.filter((r) => r.ends !== 'acked').length;
  const dead = new Map((await deadMessages(broker, queue, deadCount, 60_000)).map((m) => [m.properties.messageId as string, m.properties.headers!['x-hare-dead-cause'] as string]));
  await sleep(1500); // anything still looping would add runs or dead copies now
  for (const m of await deadMessages(broker, queue, 0)) dead.set(`${m.properties.messageId as string} (again)`, 'duplicate');
  return rows.map((r) => ({ ...r, ends: dead.has(r.outcome) ? `dead: ${dead.get(r.outcome)!}` : records.of(r.outcome).at(-1)?.outcome === 'ack' ? 'acked' : 'nowhere', runs: records.of(r.outcome).length }));
}

describe('handler-outcome matrix', () => {
  it(`every in-process outcome ends acked or in <queue>.dead after a bounded number of runs (retry limit ${RETRY_LIMIT})`, async () => {
    const queue = uniqueName('matrix');
    const records = await broker.prepare(queue);
    runtime = startRuntime(queue, { HARE_RETRY_LIMIT: String(RETRY_LIMIT), HARE_RETRY_DELAYS_MS: '100', HARE_PREFETCH: '10', HARE_HANDLER_TIMEOUT_SECONDS: String(HANDLER_TIMEOUT_SECONDS) });
    await runtime.waitReady();
    await broker.publishMany(queue, ROWS.map((r) => ({ id: r.outcome, ...r.body })));
    const observed = await observe(queue, records, ROWS);
    expect(observed.map((r) => [r.outcome, r.ends, r.runs])).toEqual(ROWS.map((r) => [r.outcome, r.ends, r.runs]));
    expect(await broker.ready(queue)).toBe(0);
  });

  it('a process exit ends in <queue>.dead after the redelivery limit (quorum queue, limit 3): 3 runs', async () => {
    const queue = uniqueName('matrixexit');
    const records = await broker.prepare(queue);
    const env = { HARE_QUEUE_TYPE: 'quorum', HARE_REDELIVERY_LIMIT: '3' };
    runtime = startRuntime(queue, env);
    await runtime.waitReady();
    const rows: Row[] = [{ outcome: 'process exit', body: { crash: true }, ends: 'dead: redelivery-limit', runs: 3 }];
    await broker.publish(queue, { id: 'process exit', crash: true });
    for (let restarts = 0; (await broker.ready(`${queue}.dead`)) === 0; ) {
      const exit = await Promise.race([runtime.exited, sleep(300).then(() => undefined)]);
      if (exit === undefined) continue;
      expect(++restarts, 'restarts').toBeLessThanOrEqual(3);
      runtime = startRuntime(queue, env); // as the kubelet would
    }
    const observed = await observe(queue, records, rows);
    expect(observed.map((r) => [r.outcome, r.ends, r.runs])).toEqual(rows.map((r) => [r.outcome, r.ends, r.runs]));
  });
});
