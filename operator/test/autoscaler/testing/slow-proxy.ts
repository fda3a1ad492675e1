// A TCP proxy to the real broker that holds back what the broker sends by a settable delay (order kept): a slow
// network for the AMQP handshake and replies. It records each connection's port at the broker and its handshake.
import { connect, createServer, type Socket } from 'node:net';

export interface ProxiedConnection {
  /** The proxy's local port towards the broker: the broker's `peer_port` for this connection. */
  readonly brokerPort: number;
  /** The broker's Connection.OpenOk has been passed on: the broker accepted the connection. */
  opened: boolean;
  /** The client ended its side of the TCP connection. */
  clientEnded: boolean;
}

export interface SlowProxy {
  readonly uri: string;
  readonly connections: ProxiedConnection[];
  /** Delay of every chunk the broker sends from now on (0: none). */
  delayMs: number;
  /** Drops a connection this long after its Connection.OpenOk went through (undefined: never). */
  dropAfterOpenMs: number | undefined;
  close(): Promise<void>;
}

/** Connection.OpenOk: a method frame (type 1) on channel 0 with class 10, method 41. */
function isOpenOk(chunk: Buffer): boolean {
  return chunk.length >= 11 && chunk[0] === 1 && chunk.readUInt16BE(1) === 0 && chunk.readUInt16BE(7) === 10 && chunk.readUInt16BE(9) === 41;
}

export async function slowProxy(target = { host: '127.0.0.1', port: 5672 }): Promise<SlowProxy> {
  const sockets = new Set<Socket>();
  const connections: ProxiedConnection[] = [];
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    const drop = (): void => { client.destroy(); upstream.destroy(); };
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    upstream.once('connect', () => {
      const record: ProxiedConnection = { brokerPort: upstream.localPort ?? 0, opened: false, clientEnded: false };
      connections.push(record);
      client.on('end', () => { record.clientEnded = true; upstream.end(); });
      let last = 0;
      upstream.on('data', (chunk: Buffer) => {
        last = Math.max(Date.now() + proxy.delayMs, last);
        setTimeout(() => {
          client.write(chunk);
          if (!isOpenOk(chunk)) return;
          record.opened = true;
          if (proxy.dropAfterOpenMs !== undefined) setTimeout(drop, proxy.dropAfterOpenMs);
        }, last - Date.now());
      });
      client.on('data', (chunk: Buffer) => upstream.write(chunk));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const proxy: SlowProxy = {
    uri: `amqp://guest:guest@127.0.0.1:${port}/`,
    connections,
    delayMs: 0,
    dropAfterOpenMs: undefined,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }),
  };
  return proxy;
}
