// Starting the consumer under test: a local command (sh -c 'exec …'), or an image run with runc from a
// buildah mount as hack/consumer-demo.sh does (read-only root, no capabilities, the host's network).
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export interface Exit {
  readonly code: number | null;
  readonly signal: string | null;
}

export interface Launched {
  /** Resolves once the process (or the container's init) has exited. */
  readonly exited: Promise<Exit>;
  /** Sends a signal to the consumer process itself (the container's init for an image). */
  signal(name: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** The last lines it wrote, for reasons in the report. */
  tail(lines?: number): string;
  /** Kills it if still running and removes what launching made. */
  dispose(): Promise<void>;
}

const run = promisify(execFile);
const OCI_CONFIG = fileURLToPath(new URL('../images/oci-config.ts', import.meta.url));

/** What an image declares about itself; `user` is its USER ('' when unset). */
export interface ImageFacts {
  readonly user: string;
}

function watch(child: ChildProcess): { exited: Promise<Exit>; tail: (n?: number) => string } {
  let output = '';
  const collect = (chunk: Buffer): void => void (output = (output + chunk.toString()).slice(-64_000));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { exited, tail: (n = 15) => output.trimEnd().split('\n').slice(-n).join('\n') };
}

/** Runs `command` through sh with exec, so the signals reach the consumer and not a shell. */
export function launchCommand(command: string, env: Record<string, string>): Launched {
  const child = spawn('/bin/sh', ['-c', `exec ${command}`], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const { exited, tail } = watch(child);
  return {
    exited,
    tail,
    signal: (name) => Promise.resolve(void child.kill(name)),
    dispose: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Reads the image's config (buildah inspect). Throws when buildah does not know the image. */
export async function inspectImage(image: string): Promise<{ facts: ImageFacts; json: string }> {
  const { stdout } = await run('buildah', ['inspect', '--type', 'image', image], { maxBuffer: 16 << 20 });
  const config = (JSON.parse(stdout) as { OCIv1: { config?: { User?: string } } }).OCIv1.config ?? {};
  return { facts: { user: config.User ?? '' }, json: stdout };
}

/** Mounts the image, writes a runc bundle for it with `env` and runs it in the host's network namespace. */
export async function launchImage(image: string, inspectJson: string, id: string, env: Record<string, string>): Promise<Launched> {
  const bundle = await mkdtemp(join(tmpdir(), 'hare-conformance-'));
  const container = (await run('buildah', ['from', '--pull-never', image])).stdout.trim();
  const undo = async (): Promise<void> => {
    await run('runc', ['delete', '--force', id]).catch(() => undefined);
    await run('buildah', ['rm', container]).catch(() => undefined);
    await rm(bundle, { recursive: true, force: true });
  };
  try {
    const rootfs = (await run('buildah', ['mount', container])).stdout.trim();
    await writeFile(join(bundle, 'image.json'), inspectJson);
    await run('runc', ['spec', '--bundle', bundle]);
    const pairs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    await run(process.execPath, [OCI_CONFIG, bundle, rootfs, join(bundle, 'image.json'), id, ...pairs]);
  } catch (err) {
    await undo();
    throw err;
  }
  const child = spawn('runc', ['run', '--bundle', bundle, id], { stdio: ['ignore', 'pipe', 'pipe'] });
  const { exited, tail } = watch(child);
  return {
    exited,
    tail,
    signal: async (name) => void (await run('runc', ['kill', id, name.replace(/^SIG/, '')]).catch(() => undefined)),
    dispose: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        await run('runc', ['kill', id, 'KILL']).catch(() => undefined);
        await exited;
      }
      await undo();
    },
  };
}
