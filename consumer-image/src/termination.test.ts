import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTerminationMessage } from './termination.ts';

const dir = mkdtempSync(join(tmpdir(), 'hare-termination-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeTerminationMessage', () => {
  it('replaces the content of the file the kubelet provides, up to the 4096 bytes it reads', () => {
    const path = join(dir, 'termination-log');
    writeFileSync(path, 'an older, longer message from an earlier start');
    writeTerminationMessage('cannot load the consumer module: x', path);
    expect(readFileSync(path, 'utf8')).toBe('cannot load the consumer module: x');
    writeTerminationMessage('y'.repeat(10_000), path);
    expect(readFileSync(path).length).toBe(4096);
  });

  it('creates nothing outside a pod, and does not throw', () => {
    const path = join(dir, 'absent');
    writeTerminationMessage('fatal', path);
    expect(existsSync(path)).toBe(false);
  });
});
