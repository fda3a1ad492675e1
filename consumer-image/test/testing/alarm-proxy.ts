// A TCP proxy to the test broker that plays a resource alarm: while on, it stops reading from every connection
// that publishes (as RabbitMQ does), holding that connection's later bytes until the alarm is off.
import { createConnection, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

const PROTOCOL_HEADER_BYTES = 8;
const FRAME_METHOD = 1;
const BASIC_PUBLISH = [60, 40] as const;

/** Parses the client's frames just enough to see a basic.publish. */
class Connection {
  #buffer = Buffer.alloc(0);
  #headerSeen = false;
  #held: Buffer[] | undefined;
  readonly upstream: Socket;
  readonly alarm: () => boolean;
  constructor(upstream: Socket, alarm: () => boolean) {
    this.upstream = upstream;
    this.alarm = alarm;
  }

  fromClient(chunk: Buffer): void {
    if (this.#held !== undefined) return void this.#held.push(chunk);
    const publishes = this.#publishes(chunk); // every chunk, so frame boundaries are known when the alarm starts
    if (this.alarm() && publishes) {
      this.#held = [chunk];
      return;
    }
    this.upstream.write(chunk);
  }

  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const chunk of held) this.upstream.write(chunk);
  }

  /** True if a basic.publish method frame starts in this chunk (frames are tracked across chunks). */
  #publishes(chunk: Buffer): boolean {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    if (!this.#headerSeen) {
      if (this.#buffer.length < PROTOCOL_HEADER_BYTES) return false;
      this.#buffer = this.#buffer.subarray(PROTOCOL_HEADER_BYTES);
      this.#headerSeen = true;
    }
    let publish = false;
    while (this.#buffer.length >= 7 + 4) {
      const size = this.#buffer.readUInt32BE(3);
      if (this.#buffer[0] === FRAME_METHOD && this.#buffer.readUInt16BE(7) === BASIC_PUBLISH[0] && this.#buffer.readUInt16BE(9) === BASIC_PUBLISH[1]) publish = true;
      if (this.#buffer.length < 7 + size + 1) break;
      this.#buffer = this.#buffer.subarray(7 + size + 1);
    }
    return publish;
  }
}

export class AlarmProxy {
  readonly #server: Server;
  readonly #connections = new Set<Connection>();
  readonly #sockets = new Set<Socket>();
  #alarm = false;

  private constructor(brokerPort: number) {
    this.#server = createServer((client) => {
      const upstream = createConnection({ host: '127.0.0.1', port: brokerPort });
      const connection = new Connection(upstream, () => this.#alarm);
      this.#connections.add(connection);
      for (const s of [client, upstream]) this.#sockets.add(s);
      client.on('data', (chunk: Buffer) => connection.fromClient(chunk));
      upstream.on('data', (chunk: Buffer) => client.write(chunk));
      const end = (): void => {
        client.destroy();
        upstream.destroy();
        this.#connections.delete(connection);
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
  }

  static async start(brokerPort = 5672): Promise<AlarmProxy> {
    const proxy = new AlarmProxy(brokerPort);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  set alarm(on: boolean) {
    this.#alarm = on;
    if (!on) for (const c of this.#connections) c.release();
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}
