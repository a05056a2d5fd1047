import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The layers of docs/architecture.md#layers hold: dependency-cruiser, with the repository's own
 * rules (.dependency-cruiser.cjs), finds no import pointing up or across. The same rules run
 * on a small tree with one back-arrow must report it, so a broken rule file cannot pass silently.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const DEPCRUISE = path.join(ROOT, 'node_modules/.bin/depcruise');
const run = promisify(execFile);

interface Violation { from: string; to: string; rule: { name: string } }

async function cruise(cwd: string): Promise<{ violations: Violation[]; modules: number }> {
  const config = path.join(ROOT, '.dependency-cruiser.cjs');
  // depcruise exits non-zero when it finds violations; the JSON report is on stdout either way.
  const { stdout } = await run(DEPCRUISE, ['src', '--config', config, '--output-type', 'json'], { cwd, maxBuffer: 64 * 1024 * 1024 }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
  );
  const report = JSON.parse(stdout) as { summary: { violations: Violation[]; totalCruised: number } };
  return { violations: report.summary.violations, modules: report.summary.totalCruised };
}

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the layer rules', () => {
  it('find no import pointing up or across in src/', async () => {
    const { violations, modules } = await cruise(ROOT);
    expect(modules).toBeGreaterThan(100);
    expect(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  });

  it('report a module importing the OIDC layer, a route imported by a job, and a file outside every layer', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-layers-'));
    scratch.push(dir);
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    };
    fs.copyFileSync(path.join(ROOT, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
    write('src/oidc/provider.ts', 'export const provider = 1;\n');
    write('src/modules/users/users.service.ts', "import { provider } from '../../oidc/provider.ts';\nexport const users = provider;\n");
    write('src/routes/users.routes.ts', "import { users } from '../modules/users/users.service.ts';\nexport const routes = users;\n");
    write('src/jobs/cleanup.ts', "import { routes } from '../routes/users.routes.ts';\nexport const job = routes;\n");
    write('src/stray/thing.ts', "import { users } from '../modules/users/users.service.ts';\nexport const stray = users;\n");

    const found = (await cruise(dir)).violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
    expect(found).toEqual([
      'jobs-imports-up-or-across: src/jobs/cleanup.ts → src/routes/users.routes.ts',
      'modules-imports-up-or-across: src/modules/users/users.service.ts → src/oidc/provider.ts',
      'outside-the-layers: src/stray/thing.ts → src/modules/users/users.service.ts',
    ]);
  });
});

describe('docs/architecture.md', () => {
  it('has every section that code, tests and BENCHMARKS.md point at', () => {
    const anchorOf = (heading: string) => heading.toLowerCase().replace(/[^a-z0-9 -]/g, '').trim().replace(/ /g, '-');
    const doc = fs.readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');
    const anchors = new Set([...doc.matchAll(/^#{2,3} (.+)$/gm)].map((match) => anchorOf(match[1]!)));
    const pointers = new Map<string, string>();
    const files = ['src', 'test'].flatMap((dir) =>
      fs.readdirSync(path.join(ROOT, dir), { recursive: true }).map(String).filter((file) => /\.(ts|mjs)$/.test(file)).map((file) => path.join(dir, file)),
    );
    for (const file of [...files, 'BENCHMARKS.md', 'README.md']) {
      for (const match of fs.readFileSync(path.join(ROOT, file), 'utf8').matchAll(/docs\/architecture\.md#([a-z0-9-]+)/g)) pointers.set(`${file}#${match[1]}`, match[1]!);
    }
    expect(pointers.size).toBeGreaterThan(10);
    expect([...pointers].filter(([, anchor]) => !anchors.has(anchor)).map(([where]) => where)).toEqual([]);
  });
});
