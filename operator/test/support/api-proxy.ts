// A loopback HTTP proxy in front of the API server that can lose answers: it forwards a pod create, lets the API
// server make the pod, then resets the client's connection instead of answering; meanwhile it holds pod watches.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent, request } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

export interface ApiProxy {
  /** http://127.0.0.1:<port>: a kubeconfig server for a token user (the proxy forwards the Authorization header). */
  url: string;
  /** While on: pod creates reach the API server but their answers are lost, and pod watch events are held back. */
  loseCreateAnswers(on: boolean): void;
  /** Pod creates the API server answered and the proxy did not pass on. */
  lost(): number;
  close(): Promise<void>;
}

/** Starts the proxy in front of the admin kubeconfig's API server. */
export async function apiProxy(adminKubeconfig: string): Promise<ApiProxy> {
  const kc = new KubeConfig();
  kc.loadFromFile(adminKubeconfig);
  const upstream = new URL(kc.getCurrentCluster()?.server ?? '');
  const ca = kc.clusters.find((c) => c.name === kc.getCurrentCluster()?.name)?.caData;
  const agent = new Agent({ keepAlive: true, ca: ca ? Buffer.from(ca, 'base64') : undefined });
  let losing = false;
  let lost = 0;
  const held = new Set<() => void>();

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const isCreate = req.method === 'POST' && /^\/api\/v1\/namespaces\/[^/]+\/pods(\?|$)/.test(req.url ?? '');
    const isPodWatch = req.method === 'GET' && /\/pods\?/.test(req.url ?? '') && /[?&]watch=(true|1)/.test(req.url ?? '');
    const up = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host }, agent }, (answer) => {
      if (isCreate && losing) {
        answer.resume();
        answer.once('end', () => { lost++; req.socket.resetAndDestroy(); });
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (!isPodWatch) {
        answer.pipe(res);
        return;
      }
      const queue: Buffer[] = [];
      const flush = (): void => { for (const chunk of queue.splice(0)) res.write(chunk); };
      held.add(flush);
      answer.on('data', (chunk: Buffer) => { if (losing) queue.push(chunk); else { flush(); res.write(chunk); } });
      answer.once('end', () => { held.delete(flush); flush(); res.end(); });
      res.once('close', () => { held.delete(flush); answer.destroy(); });
    });
    up.once('error', () => req.socket.destroy());
    res.once('close', () => { if (!res.writableFinished && !isCreate) up.destroy(); });
    req.pipe(up);
  };

  const server = createServer(forward);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    loseCreateAnswers: (on) => {
      losing = on;
      if (!on) for (const flush of held) flush();
    },
    lost: () => lost,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
