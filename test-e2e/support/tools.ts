// kubectl, helm and image builds for the e2e suites, with the cluster's kubeconfig; output on failure.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { clusterConfig } from '../cluster/index.ts';

const run = promisify(execFile);
export const REPO = new URL('../..', import.meta.url).pathname;
const BIN = clusterConfig().binDir;
const bin = (name: string): string => (existsSync(join(BIN, name)) ? join(BIN, name) : name);

export interface Tools {
  kubectl(...args: string[]): Promise<string>;
  kubectlStdin(input: string, ...args: string[]): Promise<string>;
  helm(...args: string[]): Promise<string>;
}

export function tools(kubeconfig: string): Tools {
  const exec = async (cmd: string, args: string[], input?: string): Promise<string> => {
    if (input === undefined) {
      try {
        return (await run(cmd, args, { maxBuffer: 64 << 20, env: { ...process.env, KUBECONFIG: kubeconfig } })).stdout;
      } catch (err) {
        throw new Error(`${cmd} ${args.join(' ')}: ${(err as { stderr?: string }).stderr ?? ''}`, { cause: err });
      }
    }
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, { env: { ...process.env, KUBECONFIG: kubeconfig } });
      let out = '';
      let errText = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { errText += d.toString(); });
      child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: ${errText}`))));
      child.stdin.end(input);
    });
  };
  return {
    kubectl: (...args) => exec(bin('kubectl'), args),
    kubectlStdin: (input, ...args) => exec(bin('kubectl'), args, input),
    helm: (...args) => exec(bin('helm'), args),
  };
}

/** The targets of hack/images/build.sh. */
export type ImageTarget = 'consumer' | 'examples' | 'operator' | 'go-consumer' | 'python-consumer';

/** Builds a project image with buildah (hack/images/build.sh) and returns its docker-archive tarball. */
export async function buildImage(target: ImageTarget, tag?: string): Promise<{ image: string; archive: string }> {
  const t0 = Date.now();
  const args = [join(REPO, 'hack/images/build.sh'), target, '--archive', ...(tag ? ['--tag', tag] : [])];
  const { stdout, stderr } = await run('bash', args, { maxBuffer: 64 << 20 }).catch((err: { stderr?: string }) => {
    throw new Error(`image build ${target} failed: ${err.stderr ?? ''}`);
  });
  const image = stdout.trim().split('\n').pop() ?? '';
  const archive = /exported (\S+)/.exec(stderr)?.[1];
  if (!archive) throw new Error(`image build ${target}: no archive reported:\n${stderr}`);
  console.log(`[e2e] built ${image} in ${Math.round((Date.now() - t0) / 1000)} s`);
  return { image, archive };
}

export { waitFor } from './wait.ts';
