// A TCP proxy on loopback to the API server that the test can stall: it keeps accepting connections and holding
// them open, but forwards nothing more in either direction (a hung API server, not a refusing one).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface StallingProxy {
  /** A copy of the kubeconfig whose server is this proxy (same credentials; the certificate names 127.0.0.1). */
  kubeconfig: string;
  /** From now on nothing is forwarded: open connections go silent, new ones are accepted and never answered. */
  stall(): void;
  /** New connections work again; the ones that went silent stay silent (a dead route, not a slow one). */
  resume(): void;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

export async function stallingProxy(kubeconfig: string): Promise<StallingProxy> {
  const text = readFileSync(kubeconfig, 'utf8');
  const server = /^([ \t]*server:[ \t]*https:\/\/)([^:/\s]+):(\d+)[ \t]*$/m.exec(text);
  if (!server) throw new Error(`no https server line in ${kubeconfig}`);
  const [line, prefix, host, port] = server as unknown as [string, string, string, string];
  const sockets = new Set<Socket>();
  const open = new Set<{ silent: boolean }>();
  let stalled = false;
  let accepted = 0;
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const proxy = createServer((client) => {
    accepted++;
    track(client);
    const pair = { silent: stalled };
    open.add(pair);
    client.on('close', () => open.delete(pair));
    if (pair.silent) {
      client.on('data', () => undefined); // read and drop: the client's writes succeed, nothing ever answers
      return;
    }
    const upstream = connect(Number(port), host);
    track(upstream);
    client.on('data', (chunk: Buffer) => { if (!pair.silent) upstream.write(chunk); });
    upstream.on('data', (chunk: Buffer) => { if (!pair.silent) client.write(chunk); });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => { if (!pair.silent) client.destroy(); }); // a hung server does not hang up either
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address();
  if (typeof address !== 'object' || !address) throw new Error('proxy has no address');
  const file = join(tmpdir(), `kubeconfig-stall-${address.port}`);
  writeFileSync(file, text.replace(line, `${prefix}127.0.0.1:${address.port}`), { mode: 0o600 });
  return {
    kubeconfig: file,
    stall: () => {
      stalled = true;
      for (const pair of open) pair.silent = true;
    },
    resume: () => { stalled = false; },
    get accepted() { return accepted; },
    close: () => new Promise<void>((resolve) => {
      rmSync(file, { force: true });
      for (const s of sockets) s.destroy();
      proxy.close(() => resolve());
    }),
  };
}
