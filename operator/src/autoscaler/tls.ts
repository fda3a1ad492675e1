// TLS material for the operator's own broker reads (amqps:// and https://): socket options, never verification off.
import { createHash } from 'node:crypto';
import { credentials } from 'amqplib';
import type { SocketOptions } from 'amqplib';
import type { Agent } from 'undici';

/** PEM text from the pool's TLS Secret. Without a CA the system's roots verify the broker; nothing turns verification off. */
export interface BrokerTls {
  readonly ca?: string | undefined;
  /** A client certificate and its key: the operator then logs in with SASL EXTERNAL (the broker reads the user from it). */
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
}

/** amqplib's socket options for amqps:// with this material (amqplib hands them to tls.connect). */
export function amqpTlsOptions(tls: BrokerTls | undefined): Partial<SocketOptions> {
  if (tls === undefined) return {};
  const client = tls.cert !== undefined && tls.key !== undefined;
  return {
    ...(tls.ca === undefined ? {} : { ca: [tls.ca] }),
    ...(client ? { cert: tls.cert, key: tls.key, credentials: credentials.external() } : {}),
  };
}

/** What the broker's HTTP clients need of fetch. */
export type TlsFetch = (url: string, init: { headers: Record<string, string>; signal: AbortSignal }) => Promise<Response>;

/**
 * A fetch that verifies the management API against the CA (and presents the client certificate), on a dispatcher
 * of its own. The undici package (about 30 MB of RSS) is loaded at the first such request, not at start-up.
 */
export function tlsFetch(tls: BrokerTls): TlsFetch {
  let agent: Agent | undefined;
  return async (url, init) => {
    const undici = await import('undici');
    agent ??= new undici.Agent({ connect: { ...(tls.ca === undefined ? {} : { ca: tls.ca }), ...(tls.cert === undefined ? {} : { cert: tls.cert, key: tls.key }) } });
    return undici.fetch(url, { ...init, dispatcher: agent });
  };
}

/** Clients are shared per URI and TLS material: the same URI with another CA is another client. */
export function clientKey(uri: string, tls: BrokerTls | undefined): string {
  if (tls === undefined) return uri;
  const digest = createHash('sha256').update(JSON.stringify([tls.ca ?? '', tls.cert ?? '', tls.key ?? ''])).digest('hex');
  return `${uri}#tls:${digest.slice(0, 16)}`;
}
