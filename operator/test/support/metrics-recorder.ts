// Polls operator processes' /metrics on a short period and keeps every sample: leadership and API writes issued.
import type { OperatorProcess } from './operator-process.ts';

export interface Sample {
  /** Date.now() when the request was sent: the values held at some moment after it. */
  at: number;
  leader: boolean;
  /** Sum of hare_api_writes_total, which counts a write when it is issued (before any answer). */
  writes: number;
}

export const writesIn = (metrics: string): number =>
  [...metrics.matchAll(/^hare_api_writes_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
export const leaderIn = (metrics: string): boolean => /^leader_election_master_status\{[^}]*\} 1$/m.test(metrics);

export class MetricsRecorder {
  private readonly series = new Map<OperatorProcess, Sample[]>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private readonly everyMs: number;

  constructor(everyMs = 100) {
    this.everyMs = everyMs;
  }

  add(op: OperatorProcess): void {
    this.series.set(op, []);
  }

  samples(op: OperatorProcess): Sample[] {
    return this.series.get(op) ?? [];
  }

  latest(op: OperatorProcess): Sample | undefined {
    return this.samples(op).at(-1);
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    const alive = [...this.series.entries()].filter(([op]) => op.child.exitCode === null && op.child.signalCode === null);
    await Promise.all(alive.map(async ([op, samples]) => {
      const at = Date.now();
      // a process that exits mid-answer fails the body, not the fetch: either way there is no sample
      const text = await fetch(`http://127.0.0.1:${op.metricsPort}/metrics`, { signal: AbortSignal.timeout(2000) })
        .then((r) => r.text()).catch(() => undefined);
      if (text !== undefined) samples.push({ at, leader: leaderIn(text), writes: writesIn(text) });
    }));
    this.polling = false;
  }
}
