// Credential redaction: broker URIs and the secrets inside them never reach logs, errors or metrics.

const MASK = '***';
/** Passwords shorter than this are masked only inside URIs and user:pass pairs, not as free text. */
const MIN_FREE_TEXT_SECRET = 4;

/** The URI with its password (and user name) replaced, safe to log. Unparseable input is masked whole. */
export function redactUri(uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return MASK;
  }
  if (url.username !== '') url.username = MASK;
  if (url.password !== '') url.password = MASK;
  return url.toString();
}

/** Strings that must not appear in output: the URI, its user:password pair and the password, raw and decoded. */
export function secretsOf(uri: string): string[] {
  const secrets = new Set<string>([uri]);
  try {
    const url = new URL(uri);
    const pass = url.password;
    const userinfo = `${url.username}:${pass}`;
    if (pass !== '') {
      secrets.add(userinfo);
      secrets.add(safeDecode(userinfo));
      if (pass.length >= MIN_FREE_TEXT_SECRET) {
        secrets.add(pass);
        secrets.add(safeDecode(pass));
      }
    }
  } catch {
    // an unparseable URI stays a secret as a whole
  }
  return [...secrets].filter((s) => s !== '').sort((a, b) => b.length - a.length);
}

export type Redactor = (text: string) => string;

/** A function that masks every known secret and every amqp(s) URI's credentials in a text. */
export function makeRedactor(secrets: readonly string[]): Redactor {
  const ordered = [...secrets].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text.replace(/\bamqps?:\/\/[^\s'"@/]*@/g, (m) => m.replace(/\/\/.*@$/, `//${MASK}@`));
    for (const secret of ordered) out = out.split(secret).join(MASK);
    return out;
  };
}

/** A copy of an error that is safe to log: message, stack and cause chain passed through the redactor. */
export function redactError(err: unknown, redact: Redactor, depth = 0): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: redact(String(err)) };
  const out: Record<string, unknown> = {
    type: err.name,
    message: redact(err.message),
    stack: err.stack === undefined ? undefined : redact(err.stack),
  };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (err.cause !== undefined && depth < 5) out.cause = redactError(err.cause, redact, depth + 1);
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
