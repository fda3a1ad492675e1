// TLS material for the operator's own broker reads (amqps:// and https://): socket options, never verification off.
import { createHash } from 'node:crypto';
import { credentials } from 'amqplib';
import type { SocketOptions } from 'amqplib';
import { Agent } from 'undici';

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

/** An HTTP dispatcher that verifies the management API against the CA (and presents the client certificate). */
export function httpsAgent(tls: BrokerTls): Agent {
  return new Agent({ connect: { ...(tls.ca === undefined ? {} : { ca: tls.ca }), ...(tls.cert === undefined ? {} : { cert: tls.cert, key: tls.key }) } });
}

/** Clients are shared per URI and TLS material: the same URI with another CA is another client. */
export function clientKey(uri: string, tls: BrokerTls | undefined): string {
  if (tls === undefined) return uri;
  const digest = createHash('sha256').update(JSON.stringify([tls.ca ?? '', tls.cert ?? '', tls.key ?? ''])).digest('hex');
  return `${uri}#tls:${digest.slice(0, 16)}`;
}
