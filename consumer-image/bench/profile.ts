// CPU profile attribution: a V8 .cpuprofile's time per message, by part (runtime file, library, GC, ...).
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** The profiler's own start and stop (left out, as idle time is). */
const PROFILER = '(profiler)';

/** The natives behind a socket write: each is a write(2) or writev(2). */
const SOCKET_WRITES = new Set(['writeBuffer', 'writev', 'writeLatin1String', 'writeUtf8String']);

/** Sampled microseconds per part; idle time and the profiler's own are left out. */
export type Attribution = ReadonlyMap<string, number>;

/**
 * The part a frame's time goes to: a consumer-image source file by name, a package by name, `node:` internals,
 * the socket writes, or V8's own (GC, program). Builtins without a script (Promise jobs, Map lookups, ...) count for their caller.
 */
function partOf(url: string, functionName: string, parent: string | undefined): string | undefined {
  if (url === '' && SOCKET_WRITES.has(functionName)) return 'socket writes (syscalls)';
  if (url === '') return functionName.startsWith('(') ? functionName : parent ?? '(native)';
  const own = /\/consumer-image\/(src|bench)\/(?:modules\/)?([^/]+)$/.exec(url);
  if (own !== null) return own[1] === 'src' ? `runtime ${own[2]}` : 'bench module';
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg !== null) return pkg[1]!;
  if (url === 'node:inspector') return PROFILER;
  if (url.startsWith('node:')) return 'node internals';
  return url;
}

/** Reads a profile and sums its samples' time per part. */
export function attribute(path: string): Attribution {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const part = new Map<number, string | undefined>();
  const walk = (id: number, parent: string | undefined): void => {
    const node = byId.get(id)!;
    const own = parent === PROFILER ? PROFILER : partOf(node.callFrame.url, node.callFrame.functionName, parent);
    part.set(id, own);
    for (const child of node.children ?? []) walk(child, own === '(root)' ? undefined : own);
  };
  walk(profile.nodes[0]!.id, undefined);
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const name = part.get(id) ?? '(native)';
    if (name === '(idle)' || name === PROFILER) return;
    totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return totals;
}

/** One contender's profile and the CPU per message its profiled run measured. */
export interface Profiled {
  readonly name: string;
  readonly attribution: Attribution;
  readonly cpuUsPerMessage: number;
}

/**
 * Rows "part: a, b, difference", largest difference first, then the totals. Samples are wall time (a descheduled
 * process's wait lands on the frame it resumes in), so each profile's shares are scaled to its run's measured CPU.
 */
export function attributionTable(a: Profiled, b: Profiled): string[] {
  const parts = [...new Set([...a.attribution.keys(), ...b.attribution.keys()])];
  const sampled = (p: Profiled): number => [...p.attribution.values()].reduce((s, v) => s + v, 0);
  const per = (p: Profiled, part: string): number => ((p.attribution.get(part) ?? 0) / sampled(p)) * p.cpuUsPerMessage;
  const rows = parts
    .map((part) => ({ part, x: per(a, part), y: per(b, part) }))
    .filter((r) => r.x >= 0.05 || r.y >= 0.05)
    .sort((r, s) => s.y - s.x - (r.y - r.x));
  const fmt = (v: number): string => v.toFixed(2).padStart(12);
  const width = Math.max(...rows.map((r) => r.part.length), 5);
  return [
    `${'part'.padEnd(width)}  ${a.name.padStart(12)}  ${b.name.padStart(12)}  difference (us CPU per message: sampled shares x measured CPU)`,
    ...rows.map((r) => `${r.part.padEnd(width)}  ${fmt(r.x)}  ${fmt(r.y)}  ${fmt(r.y - r.x)}`),
    `${'total'.padEnd(width)}  ${fmt(a.cpuUsPerMessage)}  ${fmt(b.cpuUsPerMessage)}  ${fmt(b.cpuUsPerMessage - a.cpuUsPerMessage)}`,
  ];
}
