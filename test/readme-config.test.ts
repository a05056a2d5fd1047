import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The README's configuration table and src/config.ts (the only reader of the environment) name
 * the same variables: a documented variable that nothing reads misleads, an undocumented one is
 * a setting nobody finds.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const configSource = fs.readFileSync(path.join(ROOT, 'src/config.ts'), 'utf8');

function documentedVariables(): string[] {
  const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? '';
  const rows = section.split('\n').filter((line) => line.startsWith('| `'));
  return rows.map((row) => /^\| `([A-Z][A-Z0-9_]*)`/.exec(row)?.[1]).filter((name): name is string => name !== undefined);
}

/** `env.NAME`, `env['NAME']` and the helpers' `(env, 'NAME', …)`. */
function variablesReadByConfig(): string[] {
  const names = new Set<string>();
  for (const match of configSource.matchAll(/\benv\.([A-Z][A-Z0-9_]*)|\benv\[['"]([A-Z][A-Z0-9_]*)['"]\]|\(env, ['"]([A-Z][A-Z0-9_]*)['"]/g)) {
    names.add(match[1] ?? match[2] ?? match[3]!);
  }
  return [...names];
}

describe('the README configuration table', () => {
  it('is found and parsed (so the comparison below cannot pass on nothing)', () => {
    expect(documentedVariables()).toEqual(expect.arrayContaining(['DATABASE_URL', 'TANSU_MASTER_KEY', 'PORT']));
    expect(variablesReadByConfig()).toEqual(expect.arrayContaining(['DATABASE_URL', 'TANSU_MASTER_KEY', 'PORT']));
  });

  it('names exactly the variables src/config.ts reads', () => {
    expect(documentedVariables().sort()).toEqual(variablesReadByConfig().sort());
  });

  it('has one row per variable', () => {
    const documented = documentedVariables();
    expect(documented).toEqual([...new Set(documented)]);
  });
});

