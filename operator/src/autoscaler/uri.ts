// Broker URIs for the depth sources: vhost, a credential-free display form, Basic auth, and scrubbing of secrets.

/** What the depth sources need to know about an AMQP URI. */
export interface AmqpTarget {
  /** The vhost the URI selects ("/" when the path is empty, as amqplib does). */
  readonly vhost: string;
  /** scheme://host:port/vhost without user or password, for logs and reasons. */
  readonly display: string;
  /** Strings that must never appear in output (password, raw and decoded). */
  readonly secrets: readonly string[];
}

/** What the management client needs: the base URL without credentials and the Authorization header. */
export interface ManagementTarget {
  /** scheme://host:port[/prefix] without user, password or trailing slash. */
  readonly base: string;
  readonly authorization: string | undefined;
  readonly display: string;
  readonly secrets: readonly string[];
}

function parse(uri: string, schemes: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new TypeError(`not a valid URI (scheme ${schemes.join(' or ')} expected)`);
  }
  if (!schemes.includes(url.protocol)) throw new TypeError(`unsupported scheme ${url.protocol} (${schemes.join(' or ')} expected)`);
  return url;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function secretsOf(url: URL): string[] {
  if (url.password === '') return [];
  return [...new Set([url.password, decode(url.password)])].sort((a, b) => b.length - a.length);
}

function withoutCredentials(url: URL): URL {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  copy.search = '';
  copy.hash = '';
  return copy;
}

/** Parses amqp:// or amqps://; throws a TypeError without the URI in its message when it is malformed. */
export function amqpTarget(uri: string): AmqpTarget {
  const url = parse(uri, ['amqp:', 'amqps:']);
  const path = url.pathname;
  const vhost = path === '' || path === '/' ? '/' : decode(path.slice(1));
  return { vhost, display: withoutCredentials(url).href, secrets: secretsOf(url) };
}

/** Parses an http(s) management base URI; credentials move into a Basic Authorization header. */
export function managementTarget(uri: string): ManagementTarget {
  const url = parse(uri, ['http:', 'https:']);
  const clean = withoutCredentials(url);
  const base = clean.href.replace(/\/+$/, '');
  const authorization =
    url.username === '' ? undefined : `Basic ${Buffer.from(`${decode(url.username)}:${decode(url.password)}`).toString('base64')}`;
  const secrets = authorization === undefined ? secretsOf(url) : [...secretsOf(url), authorization.slice(6)];
  return { base, authorization, display: base, secrets };
}

/** Removes every secret from a text (error messages from clients may echo what they were given). */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text.replace(/\b(amqps?|https?):\/\/[^\s/@]*@/g, '$1://***@');
  for (const secret of secrets) if (secret !== '') out = out.split(secret).join('***');
  return out;
}
