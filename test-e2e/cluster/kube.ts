// Minimal API access for the cluster scripts: HTTPS with the admin client certificate, and kubectl.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { ClusterConfig } from './config.ts';
import { statePaths } from './config.ts';
import type { RunResult } from './exec.ts';
import { run } from './exec.ts';

export interface ApiResponse {
  status: number;
  body: string;
}

/** One request to the API server as cluster admin; rejects only on transport errors. */
export function apiRequest(cfg: ClusterConfig, method: string, path: string, body?: unknown, timeoutMs = 5_000): Promise<ApiResponse> {
  const pki = statePaths(cfg).pki;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolveResponse, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: cfg.ports.apiserver,
        method,
        path,
        ca: readFileSync(join(pki, 'ca.crt')),
        cert: readFileSync(join(pki, 'admin.crt')),
        key: readFileSync(join(pki, 'admin.key')),
        headers: payload ? { 'content-type': 'application/json', accept: 'application/json' } : { accept: 'application/json' },
        timeout: timeoutMs,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolveResponse({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** GET a path and parse JSON; undefined on 404. */
export async function apiGet<T>(cfg: ClusterConfig, path: string): Promise<T | undefined> {
  const r = await apiRequest(cfg, 'GET', path);
  if (r.status === 404) return undefined;
  if (r.status !== 200) throw new Error(`GET ${path}: HTTP ${r.status}: ${r.body.slice(0, 300)}`);
  return JSON.parse(r.body) as T;
}

/** True when /readyz answers 200 "ok". */
export async function apiserverReady(cfg: ClusterConfig): Promise<boolean> {
  try {
    const r = await apiRequest(cfg, 'GET', '/readyz', undefined, 2_000);
    return r.status === 200 && r.body.trim() === 'ok';
  } catch {
    return false;
  }
}

/** Runs the built kubectl against the admin kubeconfig. */
export function kubectl(cfg: ClusterConfig, args: readonly string[], input?: string): Promise<RunResult> {
  return run(join(cfg.binDir, 'kubectl'), ['--kubeconfig', cfg.adminKubeconfig, ...args], input === undefined ? {} : { input });
}

interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** The node's Ready condition, or undefined when the node is not registered yet. */
export async function nodeReadyCondition(cfg: ClusterConfig): Promise<NodeCondition | undefined> {
  const node = await apiGet<{ status?: { conditions?: NodeCondition[] } }>(cfg, `/api/v1/nodes/${cfg.nodeName}`);
  return node?.status?.conditions?.find((c) => c.type === 'Ready');
}
