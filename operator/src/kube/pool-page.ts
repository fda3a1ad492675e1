// A page of a ConsumerPool list as the reflector reads it. CustomObjectsApi answers plain JSON, where the continue
// token is `metadata.continue`; the typed core lists (pods) carry it as client-node's `_continue`.
import { isPool, type Pool } from '../api/pool.ts';
import type { Page } from './reflector.ts';

/** Keeps the items that have the identity the operator needs, and the continue token under the reflector's name. */
export function poolPage(list: unknown): Page<Pool> {
  const page = list as { items: unknown[]; metadata?: { resourceVersion?: string; continue?: string; _continue?: string } };
  const token = page.metadata?._continue ?? page.metadata?.continue;
  const metadata = page.metadata === undefined ? undefined : { resourceVersion: page.metadata.resourceVersion, ...(token ? { _continue: token } : {}) };
  return { items: page.items.filter(isPool), metadata };
}
