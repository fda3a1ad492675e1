// Readiness probes for the cluster's processes (loopback only).
import { request } from 'node:https';

/** GET https://127.0.0.1:<port><path> without verifying the self-signed serving cert; true on HTTP 200. */
export function httpsOk(port: number, path: string, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolveOk) => {
    const req = request({ host, port, path, rejectUnauthorized: false, timeout: 2_000, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolveOk(res.statusCode === 200));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolveOk(false));
    req.end();
  });
}

/** GET http://<host>:<port><path>; true on HTTP 200. */
export async function httpOk(port: number, path: string, host = '127.0.0.1'): Promise<boolean> {
  try {
    const res = await fetch(`http://${host}:${port}${path}`, { signal: AbortSignal.timeout(2_000) });
    await res.text();
    return res.ok;
  } catch {
    return false;
  }
}

/** etcd's /health: {"health":"true"}. */
export async function etcdHealthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) });
    const body = (await res.json()) as { health?: string };
    return body.health === 'true';
  } catch {
    return false;
  }
}
