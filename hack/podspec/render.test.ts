import { describe, expect, it } from 'vitest';
import { loadSnapshot } from './gen.ts';
import { POD_FIELDS, snapshot, type Definitions } from './openapi.ts';
import { podTemplateFields } from './render.ts';

const defs = loadSnapshot();
const fields = podTemplateFields(defs);
interface Node { [key: string]: Node | undefined }
const at = (path: string[]): Node => path.reduce<Node>((n, k) => n[k] ?? {}, fields as unknown as Node);
const container = at(['containers', 'items', 'properties']);

/** Every key used anywhere in a schema tree (field names under `properties` excluded). */
function keywords(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => keywords(n, out));
  else if (typeof node === 'object' && node !== null) {
    for (const [k, v] of Object.entries(node)) {
      out.add(k);
      if (k === 'properties') Object.values(v as object).forEach((p) => keywords(p, out));
      else keywords(v, out);
    }
  }
  return out;
}

describe('pod template fields from the API server\'s PodSpec', () => {
  it('has every chosen field, structural: no $ref, allOf, oneOf, defaults or preserve-unknown-fields', () => {
    expect(Object.keys(fields)).toEqual([...POD_FIELDS]);
    const used = keywords(fields);
    for (const k of ['$ref', 'allOf', 'oneOf', 'default', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-patch-strategy']) expect(used.has(k)).toBe(false);
  });

  it('takes the consumer container\'s fields as the API server defines them, described', () => {
    for (const f of ['command', 'args', 'env', 'envFrom', 'volumeMounts', 'resources', 'ports', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'imagePullPolicy', 'securityContext', 'restartPolicy']) {
      expect(container[f], f).toBeDefined();
      expect(container[f]?.description, f).toMatch(/\.$/);
    }
    expect(container.resources?.properties?.limits?.additionalProperties).toEqual({ anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true });
    expect(container.livenessProbe?.properties?.httpGet?.properties?.port).toMatchObject({ 'x-kubernetes-int-or-string': true });
    expect(at(['initContainers', 'items', 'properties', 'restartPolicy'])).toMatchObject({ type: 'string' });
  });

  it('keeps list keys only where every key is required', () => {
    expect(fields.containers).toMatchObject({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] });
    expect(container.env).toMatchObject({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] });
    expect(container.ports?.['x-kubernetes-list-type']).toBeUndefined(); // keyed by containerPort and protocol, protocol optional
  });

  it('refuses what the restricted profile forbids by rules on the definitions, wherever they are used', () => {
    const rules = (n: Node): string[] => ((n['x-kubernetes-validations'] ?? []) as unknown as { rule: string }[]).map((r) => r.rule);
    for (const list of ['containers', 'initContainers']) {
      const sc = at([list, 'items', 'properties', 'securityContext']);
      expect(rules(sc)).toEqual(expect.arrayContaining(['!has(self.privileged) || !self.privileged', '!has(self.runAsUser) || self.runAsUser != 0']));
      expect(sc.properties?.capabilities?.properties?.add).toMatchObject({ maxItems: 64, items: { maxLength: 64 } });
      expect(rules(at([list, 'items', 'properties', 'ports', 'items']))).toEqual(['!has(self.hostPort) || self.hostPort == 0']);
    }
    const volume = at(['volumes', 'items']);
    expect(volume.properties?.hostPath).toEqual({ type: 'object' });
    expect(rules(volume)).toContain('!has(self.hostPath)');
    expect(rules(volume)).not.toContain('!has(self.secret)');
    expect(volume.properties?.secret?.properties?.secretName).toEqual({ type: 'string' });
  });

  it('snapshots only what the chosen fields reach, and refuses a schema that refers to itself', () => {
    const chosen = Object.fromEntries(POD_FIELDS.map((f) => [f, { type: 'string', description: `the ${f}` }]));
    const all: Definitions = {
      'io.k8s.api.core.v1.PodSpec': { properties: { ...chosen, volumes: { description: 'the volumes', items: { $ref: '#/components/schemas/V' } }, other: { $ref: '#/components/schemas/O' } } },
      V: { type: 'object', description: 'dropped', properties: { description: { type: 'string', description: 'dropped' } } },
      O: { type: 'object' },
    };
    expect(snapshot(all)).toEqual({
      'io.k8s.api.core.v1.PodSpec': { type: 'object', properties: { ...chosen, volumes: { description: 'the volumes', items: { $ref: '#/components/schemas/V' } } } },
      V: { type: 'object', properties: { description: { type: 'string' } } },
    });
    expect(() => snapshot({ 'io.k8s.api.core.v1.PodSpec': { properties: {} } })).toThrow(/PodSpec has no volumes, initContainers/);
    const loop: Definitions = { ...defs, 'io.k8s.api.core.v1.HostAlias': { type: 'object', properties: { next: { $ref: '#/components/schemas/io.k8s.api.core.v1.HostAlias' } } } };
    expect(() => podTemplateFields(loop)).toThrow(/recursive schema/);
  });
});
