// Stand-ins for pod IPs at the integration tier: loopback addresses (127.0.0.2, ...: all of 127/8 routes to lo on
// Linux) whose port forwards to a process on 127.0.0.1, or accepts and never answers (a pod that hangs).
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface PodAddress {
  readonly ip: string;
  close(): Promise<void>;
}

/** Listens on ip:port and pipes every connection to 127.0.0.1:target (the runtime's ephemeral http port). */
export function forward(ip: string, port: number, target: number): Promise<PodAddress> {
  return listen(ip, port, (socket) => {
    const upstream = connect(target, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    const end = (): void => { socket.destroy(); upstream.destroy(); };
    socket.once('error', end).once('close', end);
    upstream.once('error', end).once('close', end);
  });
}

/** Listens on ip:port, accepts connections and never writes a byte: every request to it times out. */
export function blackHole(ip: string, port: number): Promise<PodAddress> {
  return listen(ip, port, (socket) => void socket.once('error', () => socket.destroy()));
}

async function listen(ip: string, port: number, onConnection: (socket: Socket) => void): Promise<PodAddress> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () => resolve());
  });
  return {
    ip,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
