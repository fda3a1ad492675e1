// Pure: the API server's PodSpec definitions -> the structural schema of template.spec's pod fields (for the CRD).
import { CONTAINER, POD_FIELDS, POD_SPEC, refOf, type Definitions, type Json } from './openapi.ts';
import { ALLOWED_VOLUMES, BOUNDS, FIELDS, RULES } from './rules.ts';

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const VOLUME = 'io.k8s.api.core.v1.Volume';
const FORMATS = new Set(['int32', 'int64', 'date-time', 'byte']);

/** The properties to put under spec.template.spec.properties, in POD_FIELDS order. */
export function podTemplateFields(defs: Definitions): Json {
  const pod = (defs[POD_SPEC]?.properties ?? {}) as Record<string, Json>;
  const out: Json = {};
  for (const field of POD_FIELDS) {
    const source = pod[field];
    if (source === undefined) throw new Error(`PodSpec has no field ${field}`);
    const schema = convert(defs, source, [], true);
    const extra = FIELDS[field];
    if (extra?.description !== undefined) schema.description = extra.description;
    if (extra?.maxItems !== undefined) schema.maxItems = extra.maxItems;
    if (extra?.rules) schema['x-kubernetes-validations'] = extra.rules;
    out[field] = schema;
  }
  return out;
}

/** One schema node, $refs inlined; `describe` keeps its description (the first sentence). */
function convert(defs: Definitions, node: Json, seen: string[], describe: boolean): Json {
  const name = refOf(node);
  const description = describe && typeof node.description === 'string' ? firstSentence(node.description) : undefined;
  const out = name !== undefined ? definition(defs, name, seen) : plain(defs, node, seen);
  return description === undefined ? out : { description, ...out };
}

/** A node without a $ref: its type and keywords, items and map values converted. */
function plain(defs: Definitions, node: Json, seen: string[]): Json {
  const out: Json = {};
  if (typeof node.type === 'string') out.type = node.type;
  if (typeof node.format === 'string' && FORMATS.has(node.format)) out.format = node.format;
  if (Array.isArray(node.enum)) out.enum = node.enum;
  if (node.items !== undefined) out.items = convert(defs, node.items as Json, seen, false);
  const values = node.additionalProperties;
  if (typeof values === 'object' && values !== null) out.additionalProperties = convert(defs, values as Json, seen, false);
  if (node.type === 'array') listType(node, out);
  if (typeof node['x-kubernetes-map-type'] === 'string') out['x-kubernetes-map-type'] = node['x-kubernetes-map-type'];
  return out;
}

/** A named definition inlined, with the rules and bounds this project adds to it. */
function definition(defs: Definitions, name: string, seen: string[]): Json {
  const special = SPECIAL[name];
  if (special !== undefined) return special;
  if (seen.includes(name)) throw new Error(`recursive schema: ${[...seen, name].join(' -> ')}`);
  const def = defs[name];
  if (def === undefined) throw new Error(`${name}: not in the snapshot`);
  const inner = [...seen, name];
  if (def.type !== 'object' || def.properties === undefined) return convert(defs, def, inner, false);
  const properties: Json = {};
  for (const [key, prop] of Object.entries(def.properties as Record<string, Json>)) properties[key] = property(defs, name, key, prop, inner);
  const out: Json = { type: 'object' };
  if (Array.isArray(def.required) && def.required.length > 0) out.required = def.required;
  out.properties = properties;
  const rules = [...(RULES[name] ?? []), ...(name === VOLUME ? volumeRules(properties) : [])];
  if (rules.length > 0) out['x-kubernetes-validations'] = rules;
  return out;
}

function property(defs: Definitions, owner: string, key: string, prop: Json, seen: string[]): Json {
  // a volume source the profile forbids stays, empty, so a rule can refuse it by name
  if (owner === VOLUME && key !== 'name' && !ALLOWED_VOLUMES.includes(key)) return { type: 'object' };
  const schema = convert(defs, prop, seen, owner === CONTAINER);
  const b = BOUNDS[owner]?.[key];
  if (b?.maxItems !== undefined) schema.maxItems = b.maxItems;
  if (b?.maxLength !== undefined) schema.maxLength = b.maxLength;
  if (b?.itemMaxLength !== undefined) (schema.items as Json).maxLength = b.itemMaxLength;
  return schema;
}

const INT_OR_STRING_SCHEMA: Json = { anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true };
const STRING_MAP: Json = { type: 'object', additionalProperties: { type: 'string' } };

/** Definitions replaced as a whole: quantities and int-or-string, and an embedded ObjectMeta cut to labels and annotations. */
const SPECIAL: Record<string, Json> = {
  [QUANTITY]: INT_OR_STRING_SCHEMA,
  [INT_OR_STRING]: INT_OR_STRING_SCHEMA,
  [OBJECT_META]: { type: 'object', properties: { labels: STRING_MAP, annotations: STRING_MAP } },
};

function volumeRules(properties: Json): { rule: string; message: string }[] {
  return Object.keys(properties).filter((k) => k !== 'name' && !ALLOWED_VOLUMES.includes(k)).map((k) => ({
    rule: `!has(self.${k})`,
    message: `${k} volumes are not allowed: the restricted pod security profile allows only ${ALLOWED_VOLUMES.join(', ')}`,
  }));
}

/** Map lists keep their keys only when every key is required (the API server demands it of a CRD). */
function listType(node: Json, out: Json): void {
  const type = node['x-kubernetes-list-type'];
  if (type === 'atomic') out['x-kubernetes-list-type'] = 'atomic';
  if (type !== 'map') return;
  const keys = node['x-kubernetes-list-map-keys'] as string[];
  const item = out.items as Json;
  const required = (item.required ?? []) as string[];
  if (keys.every((k) => required.includes(k))) Object.assign(out, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': keys });
}

function firstSentence(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  const end = one.search(/\.(\s|$)/);
  return end === -1 ? one : one.slice(0, end + 1);
}
