// Locally built images (pause from Kubernetes' pause.c, the netcheck probe) and import into containerd's k8s.io namespace.
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterConfig } from './config.ts';
import { statePaths } from './config.ts';
import { log, run, since } from './exec.ts';

export const K8S_VERSION = '1.34.4';
export const NETCHECK_IMAGE = 'localhost/hare/netcheck:1';

export interface StaticImage {
  name: string;
  /** host file -> absolute path in the image */
  files: Array<{ src: string; dest: string }>;
  entrypoint: string[];
  user: string;
}

/** Packs static binaries into a FROM-scratch image with buildah (private vfs storage, deleted after) as a docker-archive. */
export async function buildStaticImage(img: StaticImage, tarball: string): Promise<void> {
  const tmp = await mkdtemp(join(tarball + '.'));
  const b = ['--storage-driver', 'vfs', '--root', join(tmp, 'root'), '--runroot', join(tmp, 'runroot')];
  try {
    const ctr = (await run('buildah', [...b, 'from', '--name', 'hare-build', 'scratch'])).stdout.trim();
    for (const f of img.files) await run('buildah', [...b, 'copy', '--chmod', '0755', ctr, f.src, f.dest]);
    await run('buildah', [...b, 'config', '--entrypoint', JSON.stringify(img.entrypoint), '--user', img.user, ctr]);
    await run('buildah', [...b, 'commit', '--rm', ctr, img.name]);
    await rm(tarball, { force: true });
    await run('buildah', [...b, 'push', img.name, `docker-archive:${tarball}:${img.name}`]);
  } finally {
    await run('buildah', [...b, 'rmi', '--all', '--force']).catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The pause image: Kubernetes' own pause.c (from the module cache) compiled static with gcc, as upstream does. */
export async function ensurePauseImage(cfg: ClusterConfig): Promise<string> {
  const tarball = join(cfg.imageDir, 'pause-3.10.tar');
  if (existsSync(tarball)) return tarball;
  const t0 = performance.now();
  const modcache = (await run('go', ['env', 'GOMODCACHE'])).stdout.trim();
  const src = join(modcache, `k8s.io/kubernetes@v${K8S_VERSION}`, 'build/pause/linux/pause.c');
  if (!existsSync(src)) {
    throw new Error(`pause image: ${src} not found; hack/build-binaries.sh k8s downloads the kubernetes module that holds it`);
  }
  await mkdir(cfg.imageDir, { recursive: true });
  const bin = join(cfg.imageDir, 'pause');
  await run('gcc', ['-Os', '-Wall', '-Werror', '-static', '-DVERSION=v3.10-hare', '-o', bin, src]);
  await run('strip', [bin]);
  await buildStaticImage({ name: cfg.pauseImage, files: [{ src: bin, dest: '/pause' }], entrypoint: ['/pause'], user: '65535:65535' }, tarball);
  await rm(bin, { force: true });
  log(`pause image: built ${cfg.pauseImage} from pause.c (${since(t0)}) -> ${tarball}`);
  return tarball;
}

/** The netcheck probe image (test-e2e/cluster/netcheck, a static Go program); cached per source hash. */
export async function ensureNetcheckImage(cfg: ClusterConfig): Promise<string> {
  const srcDir = join(cfg.repoDir, 'test-e2e/cluster/netcheck');
  const hash = createHash('sha256');
  for (const f of ['go.mod', 'main.go']) hash.update(await readFile(join(srcDir, f)));
  const tarball = join(cfg.imageDir, `netcheck-${hash.digest('hex').slice(0, 12)}.tar`);
  if (existsSync(tarball)) return tarball;
  await mkdir(cfg.imageDir, { recursive: true });
  const bin = join(cfg.imageDir, 'netcheck');
  const env = { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-trimpath' };
  await run('go', ['build', '-ldflags=-s -w', '-o', bin, '.'], { cwd: srcDir, env });
  await buildStaticImage({ name: NETCHECK_IMAGE, files: [{ src: bin, dest: '/netcheck' }], entrypoint: ['/netcheck'], user: '65534:65534' }, tarball);
  await rm(bin, { force: true });
  return tarball;
}

/** Docker's reference normalisation: "app:1" -> "docker.io/library/app:1"; "localhost/app:1" stays. */
export function normalizeImageRef(ref: string): string {
  const slash = ref.indexOf('/');
  if (slash < 0) return `docker.io/library/${ref}`;
  const first = ref.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? ref : `docker.io/${ref}`;
}

/** Image names (RepoTags) in a docker-archive tarball. */
export async function archiveTags(tarball: string): Promise<string[]> {
  const manifest = (await run('tar', ['-xOf', tarball, 'manifest.json'])).stdout;
  return (JSON.parse(manifest) as Array<{ RepoTags?: string[] | null }>).flatMap((m) => m.RepoTags ?? []);
}

/** Imports a docker-archive tarball into containerd's k8s.io namespace (where the kubelet sees images); returns its names. */
export async function importImage(cfg: ClusterConfig, tarball: string): Promise<string[]> {
  const sock = statePaths(cfg).containerdSocket;
  if (!existsSync(sock)) throw new Error(`importImage: containerd is not running (no ${sock}); run \`npm run cluster:up\` first`);
  const tags = await archiveTags(tarball);
  if (tags.length === 0) throw new Error(`importImage: ${tarball} names no image (RepoTags empty); save it as docker-archive:<file>:<name>`);
  await run('ctr', ['--address', sock, '-n', 'k8s.io', 'images', 'import', '--snapshotter', 'overlayfs', tarball], { timeoutMs: 600_000 });
  const listed = (await run('ctr', ['--address', sock, '-n', 'k8s.io', 'images', 'ls', '-q'])).stdout.split('\n');
  const names = tags.map(normalizeImageRef);
  const absent = names.filter((t) => !listed.includes(t));
  if (absent.length > 0) throw new Error(`importImage: ${absent.join(', ')} not listed in containerd after import of ${tarball}`);
  return names;
}
