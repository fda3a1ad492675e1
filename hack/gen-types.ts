// Generates operator/src/api/consumerpool.ts from the CRD schema, so the TypeScript types cannot drift from it.
// Usage: node hack/gen-types.ts [--check]   (--check exits 1 when the checked-in file differs)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';

export interface Schema {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
}

/** Object schemas that get a named interface, by JSON path from the root. Others are inlined. */
const NAMES: Record<string, string> = {
  '': 'ConsumerPool',
  spec: 'ConsumerPoolSpec',
  'spec.broker': 'BrokerSpec',
  'spec.broker.uriSecretRef': 'SecretKeySelector',
  'spec.broker.managementUriSecretRef': 'SecretKeySelector',
  'spec.queue': 'QueueSpec',
  'spec.queue.retry': 'RetrySpec',
  'spec.autoscaling': 'AutoscalingSpec',
  'spec.autoscaling.scaleUp': 'ScaleUpRules',
  'spec.autoscaling.scaleDown': 'ScaleDownRules',
  'spec.autoscaling.fallback': 'FallbackSpec',
  'spec.drain': 'DrainSpec',
  'spec.template': 'PodTemplateOverrides',
  'spec.template.metadata': 'PodTemplateMetadata',
  'spec.template.spec': 'PodSpecOverrides',
  status: 'ConsumerPoolStatus',
  'status.queue': 'QueueStatus',
  'status.autoscaler': 'AutoscalerStatus',
  'status.conditions[]': 'Condition',
};

/** Fields generated from the API server's own PodSpec (hack/podspec): typed as @kubernetes/client-node's types. */
const CLIENT_TYPES: Record<string, string> = {
  'spec.template.spec.volumes': 'V1Volume[]',
  'spec.template.spec.initContainers': 'V1Container[]',
  'spec.template.spec.containers': 'V1Container[]',
  'spec.template.spec.topologySpreadConstraints': 'V1TopologySpreadConstraint[]',
  'spec.template.spec.dnsConfig': 'V1PodDNSConfig',
  'spec.template.spec.hostAliases': 'V1HostAlias[]',
};

export const CRD_PATH = fileURLToPath(new URL('../crds/consumerpools.hare.dev.yaml', import.meta.url));
export const OUT_PATH = fileURLToPath(new URL('../operator/src/api/consumerpool.ts', import.meta.url));

/** The v1alpha1 openAPIV3Schema of the CRD file. */
export function loadSchema(path = CRD_PATH): Schema {
  const crd = load(readFileSync(path, 'utf8')) as { spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } };
  const version = crd.spec.versions[0];
  if (!version) throw new Error(`${path}: no versions`);
  return version.schema.openAPIV3Schema;
}

/** Renders the TypeScript module for a schema. Fields that are required or defaulted are non-optional. */
export function render(root: Schema): string {
  const decls = new Map<string, string>();
  const bodies = new Map<string, string>();
  const typeOf = (s: Schema, path: string, indent: string): string => {
    const client = CLIENT_TYPES[path];
    if (client !== undefined) return client;
    if (s['x-kubernetes-int-or-string']) return 'number | string';
    if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
    switch (s.type) {
      case 'string': return 'string';
      case 'integer': case 'number': return 'number';
      case 'boolean': return 'boolean';
      case 'array': return `${wrap(typeOf(s.items ?? {}, `${path}[]`, indent))}[]`;
      case 'object': return path === 'metadata' ? 'V1ObjectMeta' : objectType(s, path, indent);
      default: return 'unknown';
    }
  };
  const field = (key: string, prop: Schema, required: boolean, path: string, inner: string): string => {
    const doc = prop.description ? `${inner}/** ${prop.description.replace(/\s+/g, ' ').trim()} */\n` : '';
    // status has a default only so that a pool no controller has seen reads as not observed yet: it stays optional,
    // as pools built in code (tests, apply configurations) have none
    const optional = required || (prop.default !== undefined && path !== '') ? '' : '?';
    return `${doc}${inner}${key}${optional}: ${typeOf(prop, path ? `${path}.${key}` : key, inner)};`;
  };
  const wrap = (t: string): string => (t.includes('|') ? `(${t})` : t);
  const objectType = (s: Schema, path: string, indent: string): string => {
    if (!s.properties) {
      if (s.additionalProperties && typeof s.additionalProperties === 'object') {
        return `Record<string, ${typeOf(s.additionalProperties, `${path}{}`, indent)}>`;
      }
      return 'Record<string, unknown>';
    }
    const name = NAMES[path];
    const inner = name ? '  ' : `${indent}  `;
    const required = new Set(s.required ?? []);
    const fields = Object.entries(s.properties).map(([key, prop]) => field(key, prop, required.has(key), path, inner));
    const body = `{\n${fields.join('\n')}\n${name ? '' : indent}}`;
    return name ? declare(name, body, path === '' ? s.description : undefined) : body;
  };
  /** Records a named interface once; two paths sharing a name must have the same body. */
  const declare = (name: string, body: string, description: string | undefined): string => {
    const previous = bodies.get(name);
    if (previous !== undefined && previous !== body) throw new Error(`schema paths named ${name} differ`);
    const doc = description ? `/** ${description.replace(/\s+/g, ' ').trim()} */\n` : '';
    if (previous === undefined) decls.set(name, `${doc}export interface ${name} ${body}`);
    bodies.set(name, body);
    return name;
  };
  typeOf(root, '', '');
  const header = '// Generated from crds/consumerpools.hare.dev.yaml by hack/gen-types.ts; do not edit.\n' +
    '// Required and defaulted fields are non-optional: the API server fills defaults on every read.\n' +
    `import type { ${['V1ObjectMeta', ...new Set(Object.values(CLIENT_TYPES).map((t) => t.replace('[]', '')))].sort().join(', ')} } from '@kubernetes/client-node';\n`;
  return `${header}\n${[...decls.values()].reverse().join('\n\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = render(loadSchema());
  if (process.argv.includes('--check')) {
    if (readFileSync(OUT_PATH, 'utf8') !== text) {
      console.error(`${OUT_PATH} is out of date: run npm run gen:types`);
      process.exit(1);
    }
  } else {
    writeFileSync(OUT_PATH, text);
    console.log(`wrote ${OUT_PATH}`);
  }
}
