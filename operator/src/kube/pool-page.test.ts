// A ConsumerPool list page: items without identity dropped, the plain-JSON continue token kept for the next page.
import { describe, expect, it } from 'vitest';
import { makePool } from '../testing/fixtures.ts';
import { poolPage } from './pool-page.ts';

describe('poolPage', () => {
  it('carries the continue token of the list (metadata.continue), so a relist reads every page', () => {
    const page = poolPage({ items: [makePool({ replicas: 1 })], metadata: { resourceVersion: '42', continue: 'next-500' } });
    expect(page.metadata).toEqual({ resourceVersion: '42', continue: 'next-500' });
    expect(page.items).toHaveLength(1);
  });

  it('ends on a page without a token, and drops items without a name or uid', () => {
    const page = poolPage({ items: [{ metadata: {} }, makePool({ replicas: 1 })], metadata: { resourceVersion: '43' } });
    expect(page.metadata).toEqual({ resourceVersion: '43' });
    expect(page.items.map((p) => p.metadata.name)).toEqual(['orders']);
  });
});
