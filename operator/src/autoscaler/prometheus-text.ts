// Pure reading of the Prometheus text format: the samples of one metric family with their labels.

export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * Every sample of `name` in an exposition (text format 0.0.4; OpenMetrics reads the same for gauges).
 * Lines of other metrics, comments and samples whose value is not a finite number are skipped;
 * a malformed label set skips its line, never the rest.
 */
export function samples(text: string, name: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest.startsWith('{')) {
      const parsed = labelsOf(rest);
      if (parsed === undefined) continue;
      const value = valueOf(rest.slice(parsed.end));
      if (value !== undefined) out.push({ labels: parsed.labels, value });
    } else if (rest.startsWith(' ') || rest.startsWith('\t')) {
      const value = valueOf(rest);
      if (value !== undefined) out.push({ labels: {}, value });
    }
  }
  return out;
}

/** The sum of a metric's samples, or undefined when the exposition has none. */
export function sumOf(text: string, name: string): number | undefined {
  const found = samples(text, name);
  return found.length === 0 ? undefined : found.reduce((sum, s) => sum + s.value, 0);
}

/** ` 12` or ` 12 1700000000000` (with a timestamp) -> 12. */
function valueOf(rest: string): number | undefined {
  const [raw] = rest.trim().split(/\s+/, 1);
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

/** `{a="x",b="y\"z"} ...` -> the labels and the index after `}`. */
function labelsOf(rest: string): { labels: Record<string, string>; end: number } | undefined {
  const labels: Record<string, string> = {};
  let i = 1;
  for (;;) {
    while (rest[i] === ' ' || rest[i] === ',') i++;
    if (rest[i] === '}') return { labels, end: i + 1 };
    const eq = rest.indexOf('=', i);
    if (eq < 0 || rest[eq + 1] !== '"') return undefined;
    const key = rest.slice(i, eq).trim();
    const value = quoted(rest, eq + 2);
    if (value === undefined || key === '') return undefined;
    labels[key] = value.text;
    i = value.end;
  }
}

/** A label value from just after its opening quote: \\, \" and \n unescaped. */
function quoted(s: string, start: number): { text: string; end: number } | undefined {
  let text = '';
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (c === '"') return { text, end: i + 1 };
    if (c === '\\') {
      const next = s[++i];
      text += next === 'n' ? '\n' : (next ?? '');
    } else {
      text += c;
    }
  }
  return undefined;
}
