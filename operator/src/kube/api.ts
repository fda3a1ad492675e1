// The operator's requests to the API server over node:http(s): JSON in and out on a bounded keep-alive pool.
// client-node's generated API classes and undici cost about 85 and 30 MB of RSS at import; this layer costs ~5 MB.
import { Agent as HttpAgent, request as httpRequest, STATUS_CODES, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions as HttpsOptions } from 'node:https';
import { createInterface } from 'node:readline';
import { createSecureContext, type SecureContext } from 'node:tls';
import { CONNECT_TIMEOUT } from '../errors.ts';
import type { CredentialSource, Credentials } from './kubeconfig.ts';
import { Lanes, type Lane } from './lanes.ts';

/** Connections to the API server at most, for everything but watches (each watch holds a socket of its own). */
export const MAX_CONNECTIONS = 24;

/** The lease's own pool: one socket, so renewals never queue behind bulk writes; an aborted request closes it. */
export const LEASE_CONNECTIONS = 1;

/** A request with no answer by then fails (as a TimeoutError, which writeMayHaveHappened counts as maybe made). */
const REQUEST_TIMEOUT_MS = 120_000;

/** A watch silent for this long is aborted (the server sends bookmarks well within it). */
const WATCH_IDLE_MS = 30_000;

/** A new connection not open by then fails as not sent (CONNECT_TIMEOUT), as undici's connect timeout did. */
const CONNECT_TIMEOUT_MS = 10_000;

/** Idle keep-alive sockets are closed after this, before the API server closes them under a request. */
const IDLE_SOCKET_MS = 30_000;

/** A failed API call: the answer's status and body, as client-node's ApiException (errors.ts reads `code` and `body`). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: number;
  readonly body: string;
  constructor(method: string, path: string, code: number, body: string) {
    super(`${method} ${path.split('?')[0]}: HTTP ${code} ${STATUS_CODES[code] ?? ''}: ${body.slice(0, 500)}`);
    this.code = code;
    this.body = body;
  }
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface CallOptions {
  query?: Query;
  /** Sent as JSON. */
  body?: unknown;
  /** Default application/json; patches name their strategy. */
  contentType?: string;
  signal?: AbortSignal;
  /** 'later' for bookkeeping that waits while pods and pool status wait (default 'first'). */
  lane?: Lane;
}

/** The patch strategies the operator uses, as their Content-Type. */
export const PATCH = {
  merge: 'application/merge-patch+json',
  apply: 'application/apply-patch+yaml', // JSON is YAML: server-side apply
} as const;

/** One WATCH event handler and its end, as client-node's Watch.watch takes them (watch-once.ts wraps this). */
export type WatchCallback = (type: string, obj: unknown) => void;
export type WatchDone = (err: unknown) => void;

export interface KubeApiOptions {
  /** Requests in flight and sockets for them (not watches); LEASE_CONNECTIONS for the lease's own client. */
  connections: number;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
}

export class KubeApi {
  private readonly credentials: CredentialSource;
  private readonly agent: HttpAgent;
  private readonly watchAgent: HttpAgent;
  private readonly secure: boolean;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly lanes: Lanes;
  /** One TLS context per set of credentials: each new socket would otherwise parse the CA and key again. */
  private tls: { for: Credentials; context: SecureContext } | undefined;

  constructor(credentials: CredentialSource, opts: KubeApiOptions) {
    this.credentials = credentials;
    this.secure = new URL(credentials.current().server).protocol === 'https:';
    const Agent = this.secure ? HttpsAgent : HttpAgent;
    this.agent = new Agent({ keepAlive: true, maxSockets: opts.connections, maxFreeSockets: opts.connections, scheduling: 'lifo', timeout: IDLE_SOCKET_MS });
    this.watchAgent = new Agent({ keepAlive: false });
    this.timeoutMs = opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    this.lanes = new Lanes(opts.connections);
  }

  get<T>(path: string, opts: CallOptions = {}): Promise<T> {
    return this.call('GET', path, opts);
  }

  post<T>(path: string, body: unknown, opts: CallOptions = {}): Promise<T> {
    return this.call('POST', path, { ...opts, body });
  }

  put<T>(path: string, body: unknown, opts: CallOptions = {}): Promise<T> {
    return this.call('PUT', path, { ...opts, body });
  }

  patch<T>(path: string, body: unknown, contentType: string, opts: CallOptions = {}): Promise<T> {
    return this.call('PATCH', path, { ...opts, body, contentType });
  }

  delete<T>(path: string, body?: unknown, opts: CallOptions = {}): Promise<T> {
    return this.call('DELETE', path, { ...opts, body });
  }

  /**
   * One request; a 401 renews the credentials (an exec plugin's token expired, a rotated token file) and tries once
   * more, or only tries again when another request renewed them meanwhile. Any other status >= 400 throws ApiError.
   */
  async call<T>(method: string, path: string, opts: CallOptions): Promise<T> {
    const send = (): Promise<{ status: number; text: string }> => this.lanes.run(opts.lane ?? 'first', () => this.send(method, path, opts));
    const used = this.credentials.current();
    let answer = await send();
    if (answer.status === 401 && (this.credentials.current() !== used || await this.credentials.renew())) answer = await send();
    if (answer.status >= 400) throw new ApiError(method, path, answer.status, answer.text);
    return (answer.text === '' ? undefined : JSON.parse(answer.text)) as T;
  }

  /**
   * WATCH `path` from the query's resourceVersion: resolves with the abort handle once the answer's headers are in
   * (or the request failed); `done` is called once, with the error if it was not a clean end of a 200 answer.
   */
  async watch(path: string, query: Query, onEvent: WatchCallback, done: WatchDone): Promise<AbortController> {
    const abort = new AbortController();
    let ended = false;
    let timer: NodeJS.Timeout | undefined;
    const end = (err: unknown): void => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      abort.abort();
      done(err);
    };
    const idle = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => end(new DOMException('watch silent for 30 s', 'TimeoutError')), WATCH_IDLE_MS);
      timer.unref();
    };
    idle();
    try {
      const res = await this.open('GET', withQuery(path, { ...query, watch: true }), { signal: abort.signal, agent: this.watchAgent });
      if (res.statusCode !== 200) {
        if (res.statusCode === 401) void this.credentials.renew().catch(() => false); // the next watch uses them
        const text = await readAll(res);
        end(new ApiError('WATCH', path, res.statusCode ?? 0, text));
        return abort;
      }
      res.on('data', idle);
      res.on('error', end);
      res.once('close', () => end(res.complete ? null : new Error('watch connection closed before the answer ended')));
      const lines = createInterface({ input: res, crlfDelay: Infinity });
      lines.on('error', end); // readline passes the answer's errors on
      lines.on('line', (line) => {
        if (line === '' || ended) return;
        let event: { type: string; object: unknown };
        try {
          event = JSON.parse(line) as { type: string; object: unknown };
        } catch (err) {
          return end(new Error(`watch sent a line that is not JSON: ${line.slice(0, 200)}`, { cause: err }));
        }
        try {
          onEvent(event.type, event.object);
        } catch (err) {
          end(err);
        }
      });
    } catch (err) {
      end(err);
    }
    return abort;
  }

  /** Closes idle sockets (at shutdown). */
  close(): void {
    this.agent.destroy();
    this.watchAgent.destroy();
  }

  private async send(method: string, path: string, opts: CallOptions): Promise<{ status: number; text: string }> {
    const signal = opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(this.timeoutMs)]) : AbortSignal.timeout(this.timeoutMs);
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const res = await this.open(method, withQuery(path, opts.query ?? {}), { signal, agent: this.agent, body, contentType: opts.contentType });
    return { status: res.statusCode ?? 0, text: await readAll(res) };
  }

  /** Sends the request and resolves with the answer once its headers are in; rejects with the signal's reason. */
  private open(method: string, path: string, o: { signal: AbortSignal; agent: HttpAgent; body?: string; contentType?: string }): Promise<IncomingMessage> {
    const creds = this.credentials.current();
    const url = new URL(creds.server);
    const base = url.pathname.replace(/\/$/, '');
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (creds.authorization) headers.Authorization = creds.authorization;
    if (o.body !== undefined) {
      headers['Content-Type'] = o.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(o.body));
    }
    const options: HttpsOptions = {
      method, host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || (this.secure ? 443 : 80), path: base + path,
      headers, agent: o.agent, signal: o.signal,
      ...(this.secure ? { secureContext: this.secureContext(creds), servername: creds.tlsServerName, rejectUnauthorized: !creds.insecureSkipTLSVerify } : {}),
    };
    return new Promise((resolve, reject) => {
      const req = (this.secure ? httpsRequest : httpRequest)(options, resolve);
      req.on('error', (err) => reject(o.signal.aborted ? o.signal.reason as Error : err));
      req.once('socket', (socket) => {
        if (req.reusedSocket) return;
        const timer = setTimeout(() => {
          req.destroy(Object.assign(new Error(`no connection to ${url.host} within ${this.connectTimeoutMs} ms`), { code: CONNECT_TIMEOUT }));
        }, this.connectTimeoutMs);
        timer.unref();
        socket.once(this.secure ? 'secureConnect' : 'connect', () => clearTimeout(timer));
        socket.once('close', () => clearTimeout(timer));
      });
      req.end(o.body);
    });
  }

  private secureContext(creds: Credentials): SecureContext {
    if (this.tls?.for !== creds) this.tls = { for: creds, context: createSecureContext({ ca: creds.ca, cert: creds.cert, key: creds.key }) };
    return this.tls.context;
  }
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
    res.once('aborted', () => reject(new Error('connection closed before the answer ended')));
  });
}

function withQuery(path: string, query: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}
