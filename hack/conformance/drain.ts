// The drain point: under load, SIGTERM must end in exit 0 within the grace period with every message the
// consumer held finished and acked (none comes back redelivered) and the rest left in the queue.
import type { Swept } from './broker.ts';
import type { Exit } from './launch.ts';
import { exitText, seconds, waitUntil } from './points.ts';
import type { Subject } from './points.ts';
import { GRACE_MARGIN_SECONDS } from './pool.ts';
import type { Point } from './report.ts';

export interface DrainRun {
  readonly total: number;
  readonly exit: Exit | undefined;
  /** From SIGTERM to the exit (or to the kill at the end of the grace period). */
  readonly tookMs: number;
  readonly graceMs: number;
  /** It was taking the load when the signal came. */
  readonly loaded: boolean;
}

const NAME = 'drains on SIGTERM';

/** Publishes `total` messages of `sleepMs` work, sends SIGTERM once a few prefetch windows were taken, waits. */
export async function sigtermUnderLoad(s: Subject, total: number, sleepMs: number): Promise<DrainRun> {
  const graceMs = (s.pool.drainTimeoutSeconds + GRACE_MARGIN_SECONDS) * 1000;
  const bodies = Array.from({ length: total }, (_, i) => ({ id: `load-${i}`, sleepMs }));
  await s.broker.publish(s.pool.exchange, s.pool.queue, bodies);
  const taken = 3 * s.pool.prefetch;
  const loaded = await waitUntil(s, async () => ((await s.broker.queue(s.pool.queue))?.messages ?? total) <= total - taken, 30_000);
  const signalled = s.now();
  await s.consumer.signal('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const inTime = await Promise.race([s.consumer.exited.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)))]);
  clearTimeout(timer);
  const tookMs = s.now() - signalled;
  if (!inTime) {
    await s.consumer.signal('SIGKILL'); // what the kubelet does at the end of the grace period
    await s.consumer.exited;
    return { total, exit: undefined, tookMs, graceMs, loaded };
  }
  return { total, exit: await s.consumer.exited, tookMs, graceMs, loaded };
}

/** The verdict, from the run and what was left in the queue after the exit. */
export function judgeDrain(run: DrainRun, swept: readonly Swept[]): Point {
  const fail = (detail: string): Point => ({ name: NAME, required: true, passed: false, detail });
  const left = swept.filter((m) => m.id.startsWith('load-'));
  const redelivered = left.filter((m) => m.redelivered);
  const grace = `grace period ${seconds(run.graceMs)} = HARE_DRAIN_TIMEOUT_SECONDS + ${GRACE_MARGIN_SECONDS} s`;
  if (!run.loaded) return fail(`it did not take ${run.total} messages under load before the signal, so there was nothing to drain`);
  if (run.exit === undefined) return fail(`still running ${seconds(run.tookMs)} after SIGTERM (${grace}); killed, as the kubelet would`);
  if (redelivered.length > 0) {
    return fail(`${redelivered.length} message(s) came back redelivered after the exit: they were delivered to it (in flight) at SIGTERM and not acked; it ${exitText(run.exit)} ${seconds(run.tookMs)} after the signal`);
  }
  if (run.exit.code !== 0) return fail(`every held message was acked, but the process ${exitText(run.exit)} (0 expected)`);
  if (left.length === 0) return fail(`it consumed all ${run.total} messages after SIGTERM instead of cancelling its consumer (basic.cancel)`);
  const finished = run.total - left.length;
  return { name: NAME, required: true, passed: true, detail: `exit 0 ${seconds(run.tookMs)} after SIGTERM (${grace}); ${finished} finished and acked, ${left.length} left in the queue, none redelivered` };
}
