// Readable reason strings from whatever a handler threw or passed to retry()/reject(); never throws.

/**
 * `Name: message` for errors, strings as they are, JSON for other values, `none` for undefined and null;
 * a value that cannot be shown is named by its type.
 */
export function reasonText(value: unknown, none = 'no reason given'): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return none;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    const json = JSON.stringify(value) as string | undefined;
    if (json !== undefined) return json;
  } catch {
    // a cycle, a BigInt or a throwing toJSON: fall through
  }
  try {
    return String(value); // eslint-disable-line @typescript-eslint/no-base-to-string -- last resort for cycles
  } catch {
    return `a value of type ${typeof value}`;
  }
}
