import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterUrl, openTestPlatform, testConfig, uniqueTenantId, type TestPlatform } from '../support/platform.ts';
import { cliEnv, runTansu } from '../support/cli.ts';
import { createTenant } from '../../src/provisioning/tenants.service.ts';
import { openTenantDatabase, type TenantDb } from '../../src/db/tenant-database.ts';
import { findTenant } from '../../src/platform/tenants.repository.ts';
import { verifyPassword } from '../../src/crypto/passwords.ts';
import { readHidden } from '../../src/cli/secrets.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SPAWN_MS = 90_000;

let platform: TestPlatform;
let env: Record<string, string>;
let tenantId: string;
let db: TenantDb;
const dbs: TenantDb[] = [];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-passwords-'));

beforeAll(async () => {
  const config = testConfig();
  platform = await openTestPlatform(config);
  env = cliEnv(config);
  tenantId = uniqueTenantId('pwfile');
  const { tenant } = await createTenant(platform, { id: tenantId });
  db = openTenantDatabase(clusterUrl(), tenant.database_name, 1);
  dbs.push(db);
});
afterAll(async () => {
  for (const open of dbs) await open.destroy();
  await platform?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

function secretFile(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content, { mode: 0o600 });
  return file;
}

async function passwordHashOf(tenantDb: TenantDb, email: string): Promise<string> {
  const row = await tenantDb.selectFrom('users').select('password_hash').where('email', '=', email).executeTakeFirstOrThrow();
  return row.password_hash!;
}

describe('passwords never need the command line', () => {
  it('user create --password-file takes the first line of the file', async () => {
    const file = secretFile('user', 'first line secret 42\nsecond line\n');
    const run = await runTansu(['user', 'create', tenantId, '--email', 'file@example.test', '--password-file', file, '--json'], env, SPAWN_MS);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).password).toBeUndefined();
    expect(run.stdout + run.stderr).not.toContain('first line secret');
    expect(await verifyPassword(await passwordHashOf(db, 'file@example.test'), 'first line secret 42')).toBe(true);
  }, SPAWN_MS);

  it('tenant create --admin-password-file seeds the admin with it', async () => {
    const id = uniqueTenantId('pwadmin');
    const file = secretFile('admin', 'admin secret from a file\r\n');
    const run = await runTansu(['tenant', 'create', id, '--admin-email', 'boss@example.test', '--admin-password-file', file, '--json'], env, SPAWN_MS);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).admin.password).toBeUndefined();
    const tenantDb = openTenantDatabase(clusterUrl(), (await findTenant(platform.db, id))!.database_name, 1);
    dbs.push(tenantDb);
    expect(await verifyPassword(await passwordHashOf(tenantDb, 'boss@example.test'), 'admin secret from a file')).toBe(true);
  }, SPAWN_MS);

  it('refuses both flags, an unreadable or empty file, and a missing required one without a terminal (exit 2)', async () => {
    const file = secretFile('both', 'whatever password\n');
    const both = await runTansu(['user', 'create', tenantId, '--email', 'both@example.test', '--password', 'x'.repeat(12), '--password-file', file], env, SPAWN_MS);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give --password or --password-file, not both');

    const missing = await runTansu(['user', 'create', tenantId, '--email', 'nofile@example.test', '--password-file', path.join(dir, 'nope')], env, SPAWN_MS);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read --password-file');

    const empty = await runTansu(['user', 'create', tenantId, '--email', 'empty@example.test', '--password-file', secretFile('empty', '\nsecond')], env, SPAWN_MS);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('the first line is empty');

    const pgcat = await runTansu(['pgcat-config'], env, SPAWN_MS);
    expect(pgcat.code).toBe(2);
    expect(pgcat.stderr).toContain('--admin-password or --admin-password-file is required');
    const fromFile = await runTansu(['pgcat-config', '--admin-password-file', secretFile('pgcat', 'pgcat-admin-secret\n')], env, SPAWN_MS);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(fromFile.stdout).toContain('admin_password = "pgcat-admin-secret"');
  }, 4 * SPAWN_MS);

  it('help names the file flag and the prompt', async () => {
    const run = await runTansu(['user', 'create', '--help'], env, SPAWN_MS);
    expect(run.stdout).toContain('--password-file <path>');
    expect(run.stdout).toContain('asked for without echo when stdin is a terminal');
  }, SPAWN_MS);

  it('asks on a terminal without echoing what is typed (a real pseudo-terminal through script(1))', async () => {
    const command = [path.join(ROOT, 'node_modules/.bin/node'), path.join(ROOT, 'bin/tansu.js'), 'user', 'create', tenantId, '--email', 'typed@example.test'];
    const quoted = command.map((word) => `'${word}'`).join(' ');
    const child = spawn('script', ['-qfec', quoted, '/dev/null'], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    let typed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString();
      if (!typed && screen.includes('Password for the new user (empty: generate one): ')) {
        typed = true;
        child.stdin.write('typed secretX\u007f 99\r');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, screen).toBe(0);
    expect(screen).toContain('created user typed@example.test');
    expect(screen.replace(/\r/g, ''), JSON.stringify(screen)).not.toContain('typed secret');
    expect(await verifyPassword(await passwordHashOf(db, 'typed@example.test'), 'typed secret 99')).toBe(true);
  }, SPAWN_MS);
});

describe('readHidden', () => {
  function fakeTerminal() {
    const input = Object.assign(new PassThrough(), { isTTY: true, modes: [] as boolean[], setRawMode(raw: boolean) { this.modes.push(raw); } });
    const output = new PassThrough();
    let written = '';
    output.on('data', (chunk: Buffer) => (written += chunk.toString()));
    return { input, output, written: () => written };
  }

  it('reads one line in raw mode, honours backspace, echoes nothing and restores the terminal', async () => {
    const terminal = fakeTerminal();
    const answer = readHidden('Password: ', terminal.input, terminal.output);
    terminal.input.write('hunter22');
    terminal.input.write('\u007f\u007f42\rignored');
    expect(await answer).toBe('hunter42');
    expect(terminal.written()).toBe('Password: \n');
    expect(terminal.input.modes).toEqual([true, false]);
  });

  it('cancels on Ctrl-C', async () => {
    const terminal = fakeTerminal();
    const answer = readHidden('Password: ', terminal.input, terminal.output);
    terminal.input.write('abc\u0003');
    await expect(answer).rejects.toThrow('cancelled at the password prompt');
    expect(terminal.input.modes).toEqual([true, false]);
  });
});
