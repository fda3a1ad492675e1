import { readdirSync, readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { CRD_PATH, loadSchema, OUT_PATH, render, type Schema } from '../../../hack/gen-types.ts';
import { loadSnapshot, withFragment } from '../../../hack/podspec/gen.ts';
import { POD_FIELDS } from '../../../hack/podspec/openapi.ts';

const crd = loadAll(readFileSync(CRD_PATH, 'utf8'))[0] as {
  spec: { names: Record<string, unknown>; versions: { subresources: Record<string, unknown>; additionalPrinterColumns: { name: string; jsonPath: string }[] }[] };
};
const version = crd.spec.versions[0]!;
const schema = loadSchema();

/** The PodSpec fields copied from the API server (hack/podspec); `kubectl explain pod.spec` documents what lies below them. */
const FROM_POD_SPEC = new Set(POD_FIELDS.map((f) => `spec.template.spec.${f}`));

/** Every property path below spec and status that lacks a description. */
function undocumented(s: Schema, path: string): string[] {
  const own = path && !s.description && !/\{\}$|\[\]$/.test(path) ? [path] : [];
  if (FROM_POD_SPEC.has(path)) return [...own, ...containerFields(s, path)];
  const children = Object.entries(s.properties ?? {}).flatMap(([k, v]) => undocumented(v, path ? `${path}.${k}` : k));
  const items = s.items ? undocumented(s.items, `${path}[]`) : [];
  return [...own, ...children, ...items];
}

/** A generated list of containers keeps the description of each container field; other generated fields document only themselves. */
function containerFields(s: Schema, path: string): string[] {
  if (!/ontainers$/.test(path)) return [];
  return Object.entries(s.items?.properties ?? {}).filter(([, v]) => !v.description).map(([k]) => `${path}[].${k}`);
}

/** The schema as plain JSON Schema: Kubernetes extensions dropped, int-or-string made explicit. */
function jsonSchema(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(jsonSchema);
  if (typeof s !== 'object' || s === null) return s;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k.startsWith('x-kubernetes-')) continue;
    // under `properties` the keys are field names, which may themselves start with anything
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([f, fv]) => [f, jsonSchema(fv)])) : jsonSchema(v);
  }
  return out;
}

describe('ConsumerPool CRD', () => {
  it('matches the generated TypeScript types (run npm run gen:types after editing the CRD)', () => {
    expect(readFileSync(OUT_PATH, 'utf8')).toBe(render(schema));
  });

  it('has the pod fields the generator makes from the API server\'s PodSpec snapshot (run npm run gen:podspec)', () => {
    const text = readFileSync(CRD_PATH, 'utf8');
    expect(withFragment(text, loadSnapshot())).toBe(text);
    expect(Object.keys(schema.properties?.spec?.properties?.template?.properties?.spec?.properties ?? {})).toEqual(expect.arrayContaining([...POD_FIELDS]));
  });

  it('is the same file in the Helm chart', () => {
    const inChart = new URL('../../../charts/hare-operator/files/crds/consumerpools.hare.dev.yaml', import.meta.url);
    expect(readFileSync(inChart, 'utf8')).toBe(readFileSync(CRD_PATH, 'utf8'));
  });

  it('has the scale and status subresources the HPA, KEDA and kubectl scale need', () => {
    expect(version.subresources).toEqual({
      status: {},
      scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
    });
    expect(schema.properties?.status?.properties?.selector?.type).toBe('string');
  });

  it('names, printer columns and validation rules are in place', () => {
    expect(crd.spec.names).toMatchObject({ kind: 'ConsumerPool', plural: 'consumerpools', shortNames: ['cpool'], categories: ['hare'] });
    expect(version.additionalPrinterColumns.slice(0, 8).map((c) => c.name)).toEqual(['Module', 'Replicas', 'Ready', 'Status', 'Queue', 'Min', 'Max', 'Age']);
    expect(version.additionalPrinterColumns.find((c) => c.name === 'Status')?.jsonPath).toBe('.status.conditions[?(@.type=="Ready")].reason');
    const text = readFileSync(CRD_PATH, 'utf8');
    expect(text).toContain('self.minReplicas <= self.maxReplicas');
    expect(schema.properties?.spec?.properties?.queue?.properties?.retry?.properties?.delaysMs).toMatchObject({ minItems: 1, items: { minimum: 1 } });
  });

  it('documents every field (kubectl explain)', () => {
    expect(undocumented(schema.properties!.spec!, 'spec')).toEqual([]);
    expect(undocumented(schema.properties!.status!, 'status')).toEqual([]);
  });

  it('accepts every ConsumerPool in examples/ and rejects a broken one', () => {
    const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false, logger: false }).compile(jsonSchema(schema) as object);
    const dir = new URL('../../../examples/', import.meta.url);
    const pools = readdirSync(dir).filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => loadAll(readFileSync(new URL(f, dir), 'utf8')).map((doc) => ({ f, doc })))
      .filter(({ doc }) => (doc as { kind?: string } | null)?.kind === 'ConsumerPool');
    expect(pools.map((p) => p.f)).toContain('pool.yaml');
    for (const { f, doc } of pools) expect({ f, ok: validate(doc), errors: validate.errors ?? null }).toEqual({ f, ok: true, errors: null });
    const broken = structuredClone(pools[0]!.doc) as { spec: { queue: { prefetch: number } } };
    broken.spec.queue.prefetch = 0;
    expect(validate(broken)).toBe(false);
  });
});
