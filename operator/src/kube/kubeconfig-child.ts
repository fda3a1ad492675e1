// Run as a child process by kubeconfig.ts: loads a kubeconfig with client-node and prints the credentials as JSON.
// client-node (and its exec plugins, OIDC, token files) runs here, so its ~85 MB never stay in the operator.
import { KubeConfig } from '@kubernetes/client-node';
import type { AgentOptions } from 'node:https';

const file = process.argv[2] ?? '';
try {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster (check current-context)');
  if (cluster.proxyUrl) throw new Error(`proxy-url (${cluster.proxyUrl}) is not supported: reach the API server directly`);
  const opts: AgentOptions & { headers?: Record<string, string>; auth?: string } = {};
  await kc.applyToHTTPSOptions(opts);
  const text = (v: unknown): string | undefined => (v === undefined ? undefined : [v].flat().map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : typeof x === 'string' ? x : '')).join('\n'));
  const bearer = opts.headers?.Authorization ?? opts.headers?.authorization;
  const basic = opts.auth ? `Basic ${Buffer.from(opts.auth).toString('base64')}` : undefined;
  process.stdout.write(JSON.stringify({
    server: cluster.server,
    ca: text(opts.ca), cert: text(opts.cert), key: text(opts.key),
    authorization: bearer ?? basic,
    insecureSkipTLSVerify: opts.rejectUnauthorized === false || undefined,
    tlsServerName: opts.servername,
  }));
} catch (err) {
  process.stderr.write(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
