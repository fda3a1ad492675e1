// fast-check arbitraries derived from an OpenAPI v3 schema (the CRD's): values the schema's shape allows,
// with strings that are often valid and sometimes not, so the API server's own validation decides.
import fc from 'fast-check';

export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
}

/** Arbitraries that replace the derived one at a path ("spec.replicas", "spec.template.spec.env[].name"). */
export type Overrides = Record<string, fc.Arbitrary<unknown>>;

/** At most this many entries in a generated array or map, whatever the schema allows (a test's run time). */
const MAX_ENTRIES = 3;

/** Mostly DNS-like words (what real specs use), sometimes any short string (whitespace, capitals, unicode). */
function text(s: Schema): fc.Arbitrary<string> {
  const max = Math.min(s.maxLength ?? 24, 24);
  const min = s.minLength ?? 0;
  return fc.oneof(
    { weight: 12, arbitrary: fc.stringMatching(/^[a-z0-9]([-a-z0-9.]{0,14}[a-z0-9])?$/) },
    { weight: 1, arbitrary: fc.string({ minLength: min, maxLength: Math.max(min, max) }) },
  );
}

/** Kubernetes quantities: integers, valid suffixed strings, and a few that are not quantities. */
const quantity = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom('100m', '64Mi', '1', '0.5', '2Gi', '1e3', '-1', 'lots'));

/** An arbitrary for the schema at `path`; optional object properties are present or absent at random. */
export function fromSchema(s: Schema, overrides: Overrides = {}, path = ''): fc.Arbitrary<unknown> {
  return overrides[path] ?? special(s) ?? byType(s, overrides, path);
}

/** Enums, int-or-string quantities and free-form objects (affinity, valueFrom: left empty). */
function special(s: Schema): fc.Arbitrary<unknown> | undefined {
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s['x-kubernetes-int-or-string']) return quantity;
  if (s['x-kubernetes-preserve-unknown-fields']) return fc.constant({});
  return undefined;
}

function byType(s: Schema, overrides: Overrides, path: string): fc.Arbitrary<unknown> {
  switch (s.type) {
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({ min: s.minimum ?? -5, max: s.maximum ?? 1_000_000 });
    case 'string':
      return text(s);
    case 'array': {
      const min = s.minItems ?? 0;
      return fc.array(fromSchema(s.items ?? {}, overrides, `${path}[]`), { minLength: min, maxLength: Math.max(min, Math.min(s.maxItems ?? MAX_ENTRIES, MAX_ENTRIES)) });
    }
    case 'object':
      return object(s, overrides, path);
    default:
      return fc.constant(undefined);
  }
}

function object(s: Schema, overrides: Overrides, path: string): fc.Arbitrary<unknown> {
  const at = (key: string): string => (path ? `${path}.${key}` : key);
  if (s.properties) {
    const model = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, fromSchema(v, overrides, at(k))]));
    return fc.record(model, { requiredKeys: s.required ?? [] });
  }
  if (typeof s.additionalProperties === 'object') {
    return fc.dictionary(text({ maxLength: 20 }), fromSchema(s.additionalProperties, overrides, at('*')), { maxKeys: MAX_ENTRIES });
  }
  return fc.constant({});
}
