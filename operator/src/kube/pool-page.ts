// A page of a ConsumerPool list as the reflector reads it: items without the identity the operator needs are dropped.
import { isPool, type Pool } from '../api/pool.ts';
import type { Page } from './reflector.ts';

export function poolPage(list: unknown): Page<Pool> {
  const page = list as Page<unknown>;
  return { items: page.items.filter(isPool), metadata: page.metadata };
}
