// One lazily opened, self-healing AMQP connection to a broker URI, with capped reconnect backoff.
import { connect } from 'amqplib';
import type { ChannelModel, SocketOptions } from 'amqplib';
import { backoffMs } from './jitter.ts';
import type { BackoffOptions, Random } from './jitter.ts';
import { amqpFailureKind, DepthReadError, messageOf, withTimeout } from './read-error.ts';
import type { AutoscalerLog } from './types.ts';
import { amqpTlsOptions, type BrokerTls } from './tls.ts';
import { amqpTarget, scrub } from './uri.ts';
import type { AmqpTarget } from './uri.ts';

export interface AmqpClientOptions {
  /** Client-provided connection name shown in the broker's connection list. */
  readonly connectionName: string;
  /** Bound on connecting and on each broker round trip. */
  readonly timeoutMs: number;
  readonly backoff: BackoffOptions;
  readonly random: Random;
  readonly now: () => number;
  readonly log: AutoscalerLog;
  /** CA and client certificate for amqps:// (the URI says whether TLS is used). */
  readonly tls?: BrokerTls | undefined;
  /** Opens a connection; default amqplib's connect (unit tests pass a fake). */
  readonly connect?: (uri: string, options: SocketOptions) => Promise<ChannelModel>;
}

/**
 * Opens on first use; concurrent callers share one attempt. A lost connection is reopened by the next caller.
 * Failed attempts back off exponentially with jitter, and callers fail fast (DepthReadError, unreachable)
 * until the next attempt is due, so a dead broker costs no time per read.
 */
export class BrokerConnection {
  readonly target: AmqpTarget;
  readonly #uri: string;
  readonly #o: AmqpClientOptions;
  #conn: ChannelModel | undefined;
  #connecting: Promise<ChannelModel> | undefined;
  #failedConnects = 0;
  #retryAt = 0;
  #lastError = '';
  #closed = false;

  constructor(uri: string, options: AmqpClientOptions) {
    this.#uri = uri;
    this.target = amqpTarget(uri);
    this.#o = options;
  }

  get connected(): boolean {
    return this.#conn !== undefined;
  }

  /** The open connection, opening it if due; rejects with DepthReadError. */
  get(): Promise<ChannelModel> {
    if (this.#closed) return Promise.reject(new DepthReadError('unreachable', 'depth source closed'));
    if (this.#conn !== undefined) return Promise.resolve(this.#conn);
    if (this.#connecting !== undefined) return this.#connecting;
    const wait = this.#retryAt - this.#o.now();
    if (wait > 0) {
      const text = `broker ${this.target.display} unreachable (${this.#lastError}); next connection attempt in ${Math.ceil(wait / 1000)} s`;
      return Promise.reject(new DepthReadError('unreachable', text));
    }
    this.#connecting = this.#open().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const conn = this.#conn ?? (await this.#connecting?.catch(() => undefined));
    this.#conn = undefined;
    await conn?.close().catch(() => undefined);
  }

  scrub(text: string): string {
    return scrub(text, this.target.secrets);
  }

  async #open(): Promise<ChannelModel> {
    const { connectionName, timeoutMs, log } = this.#o;
    const open = this.#o.connect ?? connect;
    try {
      // the error listener goes on as the connection arrives, even one that arrives after the timeout
      const opening = open(this.#uri, { clientProperties: { connection_name: connectionName }, timeout: timeoutMs, noDelay: true, ...amqpTlsOptions(this.#o.tls) }).then((conn) => this.#listen(conn));
      const conn = await withTimeout(opening, timeoutMs, `connecting to ${this.target.display}`, (late) => {
        log.warn({ broker: this.target.display, connectionName }, 'autoscaler closing a broker connection that opened after the timeout');
        late.close().catch(() => undefined);
      });
      if (this.#closed) {
        await conn.close().catch(() => undefined);
        throw new DepthReadError('unreachable', 'depth source closed');
      }
      this.#watch(conn);
      this.#failedConnects = 0;
      log.info({ broker: this.target.display, connectionName }, 'autoscaler connected to broker');
      return conn;
    } catch (err) {
      this.#failedConnects++;
      const delay = backoffMs(this.#failedConnects, this.#o.random, this.#o.backoff);
      this.#retryAt = this.#o.now() + delay;
      this.#lastError = this.scrub(messageOf(err));
      log.warn({ broker: this.target.display, error: this.#lastError, retryInMs: delay }, 'autoscaler cannot connect to broker');
      throw new DepthReadError(amqpFailureKind(err), `connecting to ${this.target.display}: ${this.#lastError}`, { cause: err });
    }
  }

  /** Logs the connection's errors: an emitter without an 'error' listener would crash the process. */
  #listen(conn: ChannelModel): ChannelModel {
    conn.on('error', (err: unknown) => {
      this.#o.log.warn({ broker: this.target.display, error: this.scrub(messageOf(err)) }, 'autoscaler broker connection error');
    });
    return conn;
  }

  #watch(conn: ChannelModel): void {
    this.#conn = conn;
    conn.on('close', () => {
      if (this.#conn !== conn) return;
      this.#conn = undefined;
      if (!this.#closed) this.#o.log.warn({ broker: this.target.display }, 'autoscaler broker connection closed; reopening on the next read');
    });
  }
}
