// TLS for amqps:// from the pod contract's files (HARE_TLS_*): the CA that verifies the broker, and a client
// certificate that logs in with SASL EXTERNAL. Read at every connect, so a rotated Secret is picked up.
import { readFileSync } from 'node:fs';
import { credentials } from 'amqplib';
import type { SocketOptions } from 'amqplib';

export interface TlsFiles {
  readonly caFile: string | undefined;
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
}

/** Socket options for amqplib (handed to tls.connect for amqps://); verification stays on. */
export function tlsSocketOptions(files: TlsFiles): Partial<SocketOptions> {
  const { caFile, certFile, keyFile } = files;
  return {
    ...(caFile === undefined ? {} : { ca: [readFileSync(caFile)] }),
    ...(certFile !== undefined && keyFile !== undefined
      ? { cert: readFileSync(certFile), key: readFileSync(keyFile), credentials: credentials.external() }
      : {}),
  };
}
