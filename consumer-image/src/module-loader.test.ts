import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModuleLoadError, ModuleNotFoundError, loadModule, resolveInDir } from './module-loader.ts';

const dir = mkdtempSync(join(tmpdir(), 'hare-modules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (path: string, text: string): void => {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), text);
};

write('plain.mjs', 'export function consume() { return "plain"; }');
write('typed.ts', 'export const consume = (m: unknown): string => "typed";');
write('folder/index.js', 'export default function (m) { return "folder"; }');
write('pkg/package.json', JSON.stringify({ main: 'lib/entry.mjs' }));
write('pkg/lib/entry.mjs', 'export default { consume: () => "pkg" };');
write('noexport.mjs', 'export const other = 1;');
write('hooked.mjs', 'export const calls = []; export const consume = () => undefined; export function init(c) { calls.push(`init ${c.queue}`); } export async function close() { calls.push("close"); }');
write('hookedobj.mjs', 'export default { calls: [], consume() {}, init() { this.calls.push("init"); }, close() { this.calls.push("close"); } };');
write('batch.mjs', 'export function consumeBatch(ms) { return ms.length; }');
write('batchobj.mjs', 'export default { consumeBatch: () => "batchobj" };');
write('both.mjs', 'export const consume = () => undefined; export const consumeBatch = () => undefined;');
write('broken.mjs', 'export function consume( {');

describe('resolveInDir', () => {
  it('finds files by extension and folders by package.json main or index', () => {
    expect(resolveInDir(dir, 'plain')).toBe(join(dir, 'plain.mjs'));
    expect(resolveInDir(dir, 'plain.mjs')).toBe(join(dir, 'plain.mjs'));
    expect(resolveInDir(dir, 'folder')).toBe(join(dir, 'folder/index.js'));
    expect(resolveInDir(dir, 'pkg')).toBe(join(dir, 'pkg/lib/entry.mjs'));
    expect(resolveInDir(dir, 'absent')).toBeUndefined();
  });
});

describe('loadModule', () => {
  it.each([
    ['plain', 'plain'],
    ['typed', 'typed'],
    ['folder', 'folder'],
    ['pkg', 'pkg'],
  ])('loads %s and finds its consume()', async (name, expected) => {
    const { handler } = await loadModule(name, dir);
    expect(handler.kind === 'single' && await handler.consume({} as never, {} as never)).toBe(expected);
  });

  it('finds consumeBatch, named or a method of the default export', async () => {
    const named = (await loadModule('batch', dir)).handler;
    expect(named.kind === 'batch' && await named.consumeBatch([{}, {}] as never, {} as never)).toBe(2);
    const obj = (await loadModule('batchobj', dir)).handler;
    expect(obj.kind === 'batch' && await obj.consumeBatch([] as never, {} as never)).toBe('batchobj');
  });

  it('refuses a module with both consume and consumeBatch', async () => {
    await expect(loadModule('both', dir)).rejects.toThrow(/exports both consume and consumeBatch/);
  });

  it('falls back to installed packages', async () => {
    const m = await loadModule('amqplib', dir).catch((e: unknown) => e);
    expect(m).toBeInstanceOf(ModuleLoadError); // found, but it has no consume()
    expect((m as Error).message).toMatch(/does not export a consume/);
  });

  it('says where it looked when the module is missing', async () => {
    const err = await loadModule('nowhere', dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModuleNotFoundError);
    expect((err as Error).message).toContain(join(dir, 'nowhere'));
    expect((err as Error).message).toContain("no installed package 'nowhere'");
  });

  it('binds init/close hooks, named or methods of the default export; absent ones are no-ops', async () => {
    const named = await loadModule('hooked', dir);
    await named.hooks.init({ queue: 'q', module: 'hooked', podName: 'p', pool: undefined, logger: console });
    await named.hooks.close();
    expect(((await import(join(dir, 'hooked.mjs'))) as { calls: string[] }).calls).toEqual(['init q', 'close']);
    const obj = await loadModule('hookedobj', dir);
    await obj.hooks.init({ queue: 'q', module: 'hookedobj', podName: 'p', pool: undefined, logger: console });
    await obj.hooks.close();
    expect(((await import(join(dir, 'hookedobj.mjs'))) as { default: { calls: string[] } }).default.calls).toEqual(['init', 'close']);
    const none = await loadModule('plain', dir);
    await expect(none.hooks.close()).resolves.toBeUndefined();
  });

  it('reports a module without consume and a module that does not load', async () => {
    await expect(loadModule('noexport', dir)).rejects.toThrow(/does not export a consume/);
    await expect(loadModule('broken', dir)).rejects.toBeInstanceOf(ModuleLoadError);
  });
});
