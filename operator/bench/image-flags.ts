// The node flags the operator image sets (operator/Dockerfile's ENV NODE_OPTIONS), as a process outside a pod gets
// them: a heap share of the memory limit becomes the size it has under the chart's default limit.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';

const PERCENTAGE = '--max-old-space-size-percentage=';
const UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };

/** The flags of a Dockerfile's `ENV NODE_OPTIONS="..."`. */
export function nodeOptionsOf(dockerfile: string): string[] {
  const value = /^ENV\s+NODE_OPTIONS="([^"]*)"\s*$/m.exec(dockerfile)?.[1];
  if (value === undefined) throw new Error('the Dockerfile sets no ENV NODE_OPTIONS="..."');
  return value.split(/\s+/).filter(Boolean);
}

/** A Kubernetes memory quantity (plain bytes, k, M, G, Ki, Mi, Gi) in MiB. */
export function quantityMiB(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(k|M|G|Ki|Mi|Gi)?$/.exec(q);
  if (m === null) throw new Error(`not a memory quantity: ${q}`);
  return (Number(m[1]) * (UNITS[m[2] ?? ''] ?? 1)) / 2 ** 20;
}

/** `flags` for a process with no memory limit of its own: the percentage flag becomes --max-old-space-size of `limitMiB`. */
export function underLimit(flags: readonly string[], limitMiB: number): string[] {
  return flags.map((f) => (f.startsWith(PERCENTAGE) ? `--max-old-space-size=${Math.floor((limitMiB * Number(f.slice(PERCENTAGE.length))) / 100)}` : f));
}

/** The image's flags under the chart's default memory limit, read from the repository. */
export function imageFlags(repo: string): { flags: string[]; limit: string } {
  const values = load(readFileSync(join(repo, 'charts/hare-operator/values.yaml'), 'utf8')) as { resources?: { limits?: { memory?: string } } };
  const limit = values.resources?.limits?.memory;
  if (limit === undefined) throw new Error('charts/hare-operator/values.yaml sets no resources.limits.memory');
  return { flags: underLimit(nodeOptionsOf(readFileSync(join(repo, 'operator/Dockerfile'), 'utf8')), quantityMiB(limit)), limit };
}
