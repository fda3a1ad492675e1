// Credentials for the API server: a kubeconfig file (flag or KUBECONFIG), in-cluster, or a clear error. Never localhost:8080.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** What a request needs: where, the TLS material (PEM) and the Authorization header. */
export interface Credentials {
  server: string;
  ca?: string;
  cert?: string;
  key?: string;
  authorization?: string;
  insecureSkipTLSVerify?: boolean;
  tlsServerName?: string;
}

/** The credentials of now, and a way to renew them after a 401 (true when they may have changed). */
export interface CredentialSource {
  current(): Credentials;
  renew(): Promise<boolean>;
}

export interface KubeconfigSource {
  /** --kubeconfig, or the first KUBECONFIG entry */
  file?: string;
  /** KUBERNETES_SERVICE_HOST is set (running in a pod) */
  inCluster: boolean;
  /** KUBERNETES_SERVICE_HOST and _PORT, for in-cluster */
  env?: { KUBERNETES_SERVICE_HOST?: string; KUBERNETES_SERVICE_PORT?: string };
  /** ~/.kube/config, tried last */
  homeFile?: string;
}

/** Where a pod's ServiceAccount credentials are mounted. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** A bound ServiceAccount token is rotated by the kubelet: the file is read again at most this often. */
const TOKEN_REREAD_MS = 60_000;

/** A kubeconfig's exec plugin is run again after a 401 at most this often. */
const RENEW_MIN_MS = 10_000;

/** The child (and an exec plugin in it) that has not answered by then has failed. */
const CHILD_TIMEOUT_MS = 30_000;

const CHILD = fileURLToPath(new URL(`./kubeconfig-child${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

export function loadCredentials(source: KubeconfigSource): CredentialSource {
  if (source.file) {
    if (!existsSync(source.file)) throw new Error(`kubeconfig ${source.file} does not exist`);
    return kubeconfigFile(source.file);
  }
  if (source.inCluster) return inCluster(source.env ?? {}, SERVICE_ACCOUNT_DIR);
  if (source.homeFile && existsSync(source.homeFile)) return kubeconfigFile(source.homeFile);
  throw new Error('no cluster configured: pass --kubeconfig, set KUBECONFIG, or run inside a cluster');
}

/** A pod's own credentials, as client-go's rest.InClusterConfig reads them; the token file is re-read as it rotates. */
export function inCluster(env: NonNullable<KubeconfigSource['env']>, dir: string, now: () => number = Date.now): CredentialSource {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host) throw new Error('KUBERNETES_SERVICE_HOST is not set: not running in a cluster');
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const ca = readFileSync(`${dir}/ca.crt`, 'utf8');
  const read = (): Credentials => ({ server, ca, authorization: `Bearer ${readFileSync(`${dir}/token`, 'utf8').trim()}` });
  let creds = read();
  let readAt = now();
  return {
    current: () => {
      if (now() - readAt >= TOKEN_REREAD_MS) {
        creds = read();
        readAt = now();
      }
      return creds;
    },
    renew: () => {
      creds = read();
      readAt = now();
      return Promise.resolve(true);
    },
  };
}

/** A kubeconfig file, read by client-node in a child process (kubeconfig-child.ts), again after a 401. */
function kubeconfigFile(file: string): CredentialSource {
  const child = { encoding: 'utf8' as const, timeout: CHILD_TIMEOUT_MS };
  let creds: Credentials;
  try {
    creds = parse(execFileSync(process.execPath, [CHILD, file], { ...child, stdio: ['ignore', 'pipe', 'pipe'] }));
  } catch (err) {
    throw childError(file, err);
  }
  let renewedAt = 0;
  let renewing: Promise<boolean> | undefined;
  const renew = async (): Promise<boolean> => {
    try {
      creds = parse((await promisify(execFile)(process.execPath, [CHILD, file], child)).stdout);
      return true;
    } catch (err) {
      throw childError(file, err);
    } finally {
      renewing = undefined;
    }
  };
  return {
    current: () => creds,
    // requests that meet a 401 together share one run of the child
    renew: () => {
      if (renewing) return renewing;
      if (Date.now() - renewedAt < RENEW_MIN_MS) return Promise.resolve(false);
      renewedAt = Date.now();
      renewing = renew();
      return renewing;
    },
  };
}

/** What the child said, without the exit status as `code` (which httpStatus() would read as an HTTP status). */
function childError(file: string, err: unknown): Error {
  const stderr = (err as { stderr?: unknown }).stderr;
  return new Error(`kubeconfig ${file}: ${typeof stderr === 'string' && stderr ? stderr : err instanceof Error ? err.message : String(err)}`);
}

function parse(json: string): Credentials {
  return JSON.parse(json) as Credentials;
}
