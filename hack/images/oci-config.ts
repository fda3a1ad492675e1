// Turns `runc spec`'s config.json into one that runs an image's rootfs as the image says (entrypoint, env,
// user, workdir), restricted like the pod contract: read-only root, no capabilities, no new privileges,
// tmpfs /tmp; host network so the container reaches a broker on 127.0.0.1.
// Usage: node hack/images/oci-config.ts <bundle dir> <rootfs> <buildah inspect json> <container id> [KEY=VALUE...]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface ImageConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  User?: string;
  WorkingDir?: string;
}

interface Spec {
  process: Record<string, unknown>;
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: { destination: string; type: string; source: string; options?: string[] }[];
  linux: { namespaces: { type: string }[] };
}

const [bundle, rootfs, inspectFile, id, ...extraEnv] = process.argv.slice(2);
if (bundle === undefined || rootfs === undefined || inspectFile === undefined || id === undefined) {
  throw new Error('usage: oci-config.ts <bundle> <rootfs> <inspect.json> <id> [KEY=VALUE...]');
}
const image = (JSON.parse(readFileSync(inspectFile, 'utf8')) as { OCIv1: { config: ImageConfig } }).OCIv1.config;
const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as Spec;
const [uid = '0', gid = uid] = (image.User ?? '0').split(':');
if (!/^\d+$/.test(uid) || !/^\d+$/.test(gid)) throw new Error(`image user must be numeric uid:gid, got ${image.User}`);

const env = new Map<string, string>();
for (const kv of [...(image.Env ?? []), ...extraEnv]) env.set(kv.slice(0, kv.indexOf('=')), kv);
const none = { bounding: [], effective: [], permitted: [], ambient: [] };
spec.process = {
  ...spec.process,
  terminal: false,
  user: { uid: Number(uid), gid: Number(gid) },
  args: [...(image.Entrypoint ?? []), ...(image.Cmd ?? [])],
  env: [...env.values()],
  cwd: image.WorkingDir !== undefined && image.WorkingDir !== '' ? image.WorkingDir : '/',
  capabilities: none,
  noNewPrivileges: true,
};
spec.root = { path: rootfs, readonly: true };
spec.hostname = id;
spec.linux.namespaces = spec.linux.namespaces.filter((ns) => ns.type !== 'network');
// without a network namespace of its own the container may not mount a fresh sysfs: bind the host's, read-only
spec.mounts = spec.mounts.map((m) => (m.destination === '/sys' ? { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] } : m));
spec.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', 'size=64m'] });
writeFileSync(join(bundle, 'config.json'), `${JSON.stringify(spec, null, 2)}\n`);
