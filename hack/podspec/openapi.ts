// The API server's own PodSpec schema: fetched from /openapi/v3/api/v1 and cut down to what the pod template uses.
import { execFileSync } from 'node:child_process';

export type Json = Record<string, unknown>;
export type Definitions = Record<string, Json>;

/** The PodSpec fields the pool's template takes from the API server's schema, in CRD order. */
export const POD_FIELDS = ['volumes', 'initContainers', 'containers', 'topologySpreadConstraints', 'runtimeClassName', 'dnsConfig', 'hostAliases'] as const;

export const POD_SPEC = 'io.k8s.api.core.v1.PodSpec';
export const CONTAINER = 'io.k8s.api.core.v1.Container';

/** The definition a property points at (`$ref` or `allOf: [{$ref}]`), if any. */
export function refOf(node: Json): string | undefined {
  const ref = typeof node.$ref === 'string' ? node.$ref : (node.allOf as Json[] | undefined)?.[0]?.$ref;
  return typeof ref === 'string' ? ref.slice(ref.lastIndexOf('/') + 1) : undefined;
}

/** GET /openapi/v3/api/v1 of the API server kubectl is pointed at. */
export function fetchDefinitions(kubectl: string, kubeconfig: string): Definitions {
  const raw = execFileSync(kubectl, ['--kubeconfig', kubeconfig, 'get', '--raw', '/openapi/v3/api/v1'], { maxBuffer: 64 << 20 });
  return ((JSON.parse(raw.toString()) as { components: { schemas: Definitions } }).components.schemas);
}

/**
 * The definitions reachable from the chosen PodSpec fields, without descriptions except on the chosen fields
 * themselves and on a Container's own fields (kubectl explain shows those); the snapshot the CRD is made from.
 */
export function snapshot(all: Definitions): Definitions {
  const out: Definitions = {};
  const podSpec = all[POD_SPEC] as Json;
  const props = podSpec.properties as Record<string, Json>;
  const missing = POD_FIELDS.filter((f) => props[f] === undefined);
  if (missing.length > 0) throw new Error(`the API server's PodSpec has no ${missing.join(', ')}`);
  out[POD_SPEC] = { type: 'object', properties: Object.fromEntries(POD_FIELDS.map((f) => [f, props[f]])) };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const name = refOf(node as Json);
    if (name !== undefined && out[name] === undefined) {
      const def = all[name];
      if (def === undefined) throw new Error(`${name}: not in the API server's schema`);
      out[name] = name === CONTAINER ? def : (strip(def) as Json);
      visit(out[name]);
    }
    for (const v of Object.values(node)) visit(v);
  };
  visit(out[POD_SPEC]);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function strip(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strip);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(Object.entries(node).filter(([k]) => k !== 'description').map(([k, v]) => [k, k === 'properties' ? mapValues(v as Json, strip) : strip(v)]));
}

function mapValues(o: Json, f: (v: unknown) => unknown): Json {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
}
