// The docs' commands and links checked against the repository: every `npm run X` is a script, every repo path a
// command or link names exists, every relative link resolves. (What a doc says a command prints is the tiers' job.)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '..');
const DOCS = ['README.md', 'charts/hare-operator/README.md', 'consumer-image/README.md', 'test-e2e/cluster/README.md',
  ...readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const scripts = Object.keys((JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
const text = (doc: string): string => readFileSync(join(REPO, doc), 'utf8');

describe.each(DOCS)('%s', (doc) => {
  it('names only npm scripts that exist', () => {
    const named = [...text(doc).matchAll(/npm run (?:-s |--silent )?([a-z][\w:-]*)/g)].map((m) => m[1]!);
    expect(named.filter((s) => !scripts.includes(s))).toEqual([]);
  });

  it('names only scripts and files under hack/, examples/, crds/ and charts/ that exist', () => {
    const paths = [...text(doc).matchAll(/(?<![\w./-])((?:hack|examples|crds|charts)\/[\w./-]*[\w])/g)].map((m) => m[1]!);
    expect(paths.filter((p) => !existsSync(join(REPO, p)) && !existsSync(join(REPO, dirname(doc), p)))).toEqual([]);
  });

  it('links only to files that exist', () => {
    const links = [...text(doc).matchAll(/\]\((?!https?:|#|mailto:)([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!);
    expect(links.filter((l) => !existsSync(join(REPO, dirname(doc), l)))).toEqual([]);
  });
});
