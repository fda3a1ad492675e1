// Where a V8 heap snapshot's bytes are: self sizes summed by node type and constructor, the largest first.
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapRow { what: string; count: number; mb: number }

/** The `top` largest groups of the snapshot at `file` (objects by constructor name, the rest by node type). */
export function heapSummary(file: string, top = 12): { totalMb: number; rows: HeapRow[] } {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const types = snap.snapshot.meta.node_types[0];
  const groups = new Map<string, { count: number; bytes: number }>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + typeAt]!] ?? '?';
    const size = snap.nodes[i + sizeAt]!;
    const what = type === 'object' || type === 'closure' ? `${type} ${snap.strings[snap.nodes[i + nameAt]!] ?? '?'}` : type;
    const g = groups.get(what) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += size;
    groups.set(what, g);
    total += size;
  }
  const rows = [...groups].map(([what, g]) => ({ what, count: g.count, mb: g.bytes / 2 ** 20 })).sort((a, b) => b.mb - a.mb).slice(0, top);
  return { totalMb: total / 2 ** 20, rows };
}
