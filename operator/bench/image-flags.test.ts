// Unit tests: the image's node flags, read from the Dockerfile and the chart, as the benchmark runs the operator.
import { describe, expect, it } from 'vitest';
import { imageFlags, nodeOptionsOf, quantityMiB, underLimit } from './image-flags.ts';

const repo = new URL('../..', import.meta.url).pathname;

describe('image flags', () => {
  it('reads the flags of the Dockerfile\'s ENV NODE_OPTIONS', () => {
    expect(nodeOptionsOf('FROM x\nENV NODE_OPTIONS="--a=1  --b"\nENTRYPOINT ["node", "/app/main.js"]\n')).toEqual(['--a=1', '--b']);
    expect(() => nodeOptionsOf('ENV NODE_ENV=production\n')).toThrow(/NODE_OPTIONS/);
  });
  it('turns a share of the memory limit into the old-space size it gives under that limit', () => {
    expect(underLimit(['--max-semi-space-size=2', '--max-old-space-size-percentage=25'], 256)).toEqual(['--max-semi-space-size=2', '--max-old-space-size=64']);
    expect(quantityMiB('256Mi')).toBe(256);
    expect(quantityMiB('1Gi')).toBe(1024);
    expect(quantityMiB('512M')).toBeCloseTo(488.3, 1);
    expect(() => quantityMiB('lots')).toThrow(/memory quantity/);
  });
  it('gives the shipped operator a heap sized to the chart\'s default limit', () => {
    const { flags, limit } = imageFlags(repo);
    const oldSpace = Number(flags.find((f) => f.startsWith('--max-old-space-size='))?.split('=')[1]);
    // V8 collects before the kernel's OOM killer: the old space is a fraction of the pod's limit
    expect(oldSpace).toBeGreaterThan(0);
    expect(oldSpace).toBeLessThanOrEqual(quantityMiB(limit) / 2);
  });
});
