// Peak RSS of the controllers bench:peers compares: host processes by pid (KEDA's operator and adapter) and the
// processes of a pod on the local node, found by the pod's uid in their cgroup path (the pause process left out).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { rssMb } from '../baseline.ts';

/** The processes of the pod with `uid`, but its sandbox's pause (the kubelet's cgroupfs layout: .../pod<uid>/<container>). */
export function podPids(uid: string): number[] {
  const marks = [`pod${uid}`, `pod${uid.replaceAll('-', '_')}`];
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cgroup = readFileSync(`/proc/${entry}/cgroup`, 'utf8');
      if (!marks.some((m) => cgroup.includes(m))) continue;
      if (readlinkSync(`/proc/${entry}/exe`).endsWith('/pause')) continue;
      out.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** Samples the summed RSS of each group every `everyMs` and keeps the peaks (MB) until stop(). */
export function peakSampler(groups: Record<string, () => number[]>, everyMs = 500): { peaks(): Record<string, number>; stop(): void } {
  const peaks: Record<string, number> = Object.fromEntries(Object.keys(groups).map((k) => [k, 0]));
  const sample = (): void => {
    for (const [k, pids] of Object.entries(groups)) peaks[k] = Math.max(peaks[k] ?? 0, pids().reduce((sum, pid) => sum + rssMb(pid), 0));
  };
  const timer = setInterval(sample, everyMs);
  sample();
  return { peaks: () => ({ ...peaks }), stop: () => clearInterval(timer) };
}
