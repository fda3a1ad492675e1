// Finding and loading the consumer module: <modulesDir>/<name> (file or folder), else an installed package.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ConsumeBatchFn, ConsumeFn, InitContext, ModuleHooks } from './api.ts';

/** Extensions tried for `<dir>/<name>` and `<dir>/<name>/index`. */
export const MODULE_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts'] as const;

export class ModuleNotFoundError extends Error {
  override readonly name = 'ModuleNotFoundError';
}

/** The module was found but failed to load or does not export consume(). */
export class ModuleLoadError extends Error {
  override readonly name = 'ModuleLoadError';
}

/** The module's handler: `consume` for one message at a time, or `consumeBatch` for batches. */
export type ModuleHandler = { readonly kind: 'single'; readonly consume: ConsumeFn } | { readonly kind: 'batch'; readonly consumeBatch: ConsumeBatchFn };

export interface LoadedModule {
  readonly handler: ModuleHandler;
  /** The module's own init/close hooks, bound to it; absent ones are no-ops. */
  readonly hooks: Required<ModuleHooks>;
  /** The file or package it came from. */
  readonly source: string;
}

/** The file that `<dir>/<name>` stands for, or undefined. A folder uses package.json "main", else index.*. */
export function resolveInDir(dir: string, name: string): string | undefined {
  const base = join(dir, name);
  if (isDir(base)) {
    const main = packageMain(base);
    if (main !== undefined) return firstFile([join(base, main), ...MODULE_EXTENSIONS.map((e) => join(base, main + e))]);
    return firstFile(MODULE_EXTENSIONS.map((e) => join(base, `index${e}`)));
  }
  return firstFile([base, ...MODULE_EXTENSIONS.map((e) => base + e)]);
}

/** Loads the module named `name`: from `dir` first, then as a package resolvable from the runtime. */
export async function loadModule(name: string, dir: string): Promise<LoadedModule> {
  const file = resolveInDir(dir, name);
  let specifier: string;
  if (file !== undefined) specifier = pathToFileURL(file).href;
  else {
    try {
      specifier = import.meta.resolve(name);
    } catch {
      throw new ModuleNotFoundError(
        `consumer module '${name}' not found: no ${join(dir, name)}{${MODULE_EXTENSIONS.join(',')}} file, ` +
          `no ${join(dir, name)}/ folder with package.json "main" or index.*, and no installed package '${name}'`,
      );
    }
  }
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(specifier)) as Record<string, unknown>;
  } catch (cause) {
    throw new ModuleLoadError(`consumer module '${name}' (${specifier}) failed to load`, { cause });
  }
  return { handler: handlerOf(name, loaded), hooks: hooksOf(loaded), source: file ?? name };
}

/**
 * `export function consume`, `export default function`, or `export default { consume }`; or the same with
 * `consumeBatch` (a named export or a method of the default export). Both, or neither, is an error.
 */
function handlerOf(name: string, exports: Record<string, unknown>): ModuleHandler {
  const def = exports.default;
  const member = (key: string): unknown => ((typeof def === 'object' || typeof def === 'function') && def !== null ? (def as Record<string, unknown>)[key] : undefined);
  const batch = [exports.consumeBatch, member('consumeBatch')].find((c) => typeof c === 'function');
  const single = [exports.consume, def, member('consume')].find((c) => typeof c === 'function');
  if (batch !== undefined && single !== undefined) {
    throw new ModuleLoadError(`consumer module '${name}' exports both consume and consumeBatch: export one of them`);
  }
  if (batch !== undefined) return { kind: 'batch', consumeBatch: batch as ConsumeBatchFn };
  if (single === undefined) throw new ModuleLoadError(`consumer module '${name}' does not export a consume(message, context) or consumeBatch(messages, context) function`);
  return { kind: 'single', consume: single as ConsumeFn };
}

/** `export function init/close`, or the same methods of the default export (called on it). */
function hooksOf(exports: Record<string, unknown>): Required<ModuleHooks> {
  const init = hookOf(exports, 'init');
  const close = hookOf(exports, 'close');
  return { init: async (context) => void (await init?.(context)), close: async () => void (await close?.()) };
}

function hookOf(exports: Record<string, unknown>, name: 'init' | 'close'): ((context?: InitContext) => unknown) | undefined {
  const named = exports[name];
  if (typeof named === 'function') return named as (context?: InitContext) => unknown;
  const def = exports.default;
  if ((typeof def !== 'object' && typeof def !== 'function') || def === null) return undefined;
  const method = (def as Record<string, unknown>)[name];
  return typeof method === 'function' ? (method as (context?: InitContext) => unknown).bind(def) : undefined;
}

function packageMain(dir: string): string | undefined {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return undefined;
  const main = (JSON.parse(readFileSync(file, 'utf8')) as { main?: unknown }).main;
  return typeof main === 'string' && main !== '' ? main : undefined;
}

function firstFile(candidates: string[]): string | undefined {
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}
