import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, testConfig, uniqueTenantId, type TestPlatform } from '../support/platform.ts';
import { cliEnv, runTansu } from '../support/cli.ts';
import { createTenant } from '../../src/provisioning/tenants.service.ts';
import { findTenant } from '../../src/platform/tenants.repository.ts';
import { openTenantDatabase, type TenantDb } from '../../src/db/tenant-database.ts';
import { insertUser } from '../../src/modules/users/users.repository.ts';
import { writeBackupFile, type BackupHeader } from '../../src/provisioning/backup-file.ts';
import { deriveBackupSealKey } from '../../src/crypto/backup-seal.ts';

let platform: TestPlatform;
let env: Record<string, string>;
let id: string;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-cli-backup-'));
const backupFile = path.join(dir, 'tenant.tansu-backup');

beforeAll(async () => {
  const config = testConfig();
  platform = await openTestPlatform(config);
  env = cliEnv(config);
  id = uniqueTenantId('clib');
  await createTenant(platform, { id, displayName: 'Backed Up', adminEmail: `admin@${id}.test` });
  await addUser(id, 'before@backup.test');
});
afterAll(async () => {
  await platform.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

const tansu = (...args: string[]) => runTansu(args, env);
const sha256Of = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

async function withTenantDb<T>(tenantId: string, work: (db: TenantDb) => Promise<T>): Promise<T> {
  const row = (await findTenant(platform.db, tenantId))!;
  const db = openTenantDatabase(await platform.clusters.urlOf(row.cluster), row.database_name, 1);
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

const addUser = (tenantId: string, email: string) => withTenantDb(tenantId, (db) => insertUser(db, { email, passwordHash: null }));
const emails = (tenantId: string) => withTenantDb(tenantId, async (db) => (await db.selectFrom('users').select('email').orderBy('email').execute()).map((u) => u.email));

/** The parts of a backup file: its header and its pg_dump archive. */
function partsOf(file: string): { header: BackupHeader; archive: Buffer } {
  const bytes = fs.readFileSync(file);
  const headerEnd = 12 + bytes.readUInt32BE(8);
  return { header: JSON.parse(bytes.subarray(12, headerEnd).toString('utf8')) as BackupHeader, archive: bytes.subarray(headerEnd, -32) };
}

async function flippedCopy(): Promise<string> {
  const bytes = fs.readFileSync(backupFile);
  bytes[bytes.length - 100]! ^= 0x01;
  const file = path.join(dir, 'flipped.tansu-backup');
  fs.writeFileSync(file, bytes);
  return file;
}

async function resealedUnderAnotherKey(): Promise<string> {
  const { header, archive } = partsOf(backupFile);
  const archiveFile = path.join(dir, 'foreign.archive');
  fs.writeFileSync(archiveFile, archive);
  const file = path.join(dir, 'foreign.tansu-backup');
  await writeBackupFile(file, { createdAt: header.createdAt, tenant: header.tenant, serverVersionNum: header.serverVersionNum }, archiveFile, deriveBackupSealKey(crypto.randomBytes(32)));
  return file;
}

/** The same backup as a format-1 file: an unkeyed SHA-256 where the seal is. */
async function asFormat1(): Promise<string> {
  const { header, archive } = partsOf(backupFile);
  const { seal: _seal, ...rest } = header;
  const headerBytes = Buffer.from(JSON.stringify({ ...rest, version: 1 }));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(headerBytes.length);
  const body = Buffer.concat([Buffer.from('TANSUBK\x01', 'latin1'), length, headerBytes, archive]);
  const file = path.join(dir, 'format-1.tansu-backup');
  fs.writeFileSync(file, Buffer.concat([body, crypto.createHash('sha256').update(body).digest()]));
  return file;
}

describe('tansu tenant backup', () => {
  it('writes the file and prints its path, size and SHA-256 as they are on disk', async () => {
    const run = await tansu('tenant', 'backup', id, '--out', backupFile, '--json');
    expect(run.code, run.stderr).toBe(0);
    const printed = JSON.parse(run.stdout) as { tenant: string; path: string; bytes: number; sha256: string };
    expect(printed).toEqual({ tenant: id, path: backupFile, bytes: fs.statSync(backupFile).size, sha256: sha256Of(backupFile) });
    expect(fs.readFileSync(backupFile).subarray(0, 8).toString('latin1')).toBe('TANSUBK\x02');
    const event = await platform.db.selectFrom('platform_audit_events').selectAll().where('action', '=', 'tenant.backed_up').where('tenant_id', '=', id).executeTakeFirstOrThrow();
    expect(event.details).toMatchObject({ bytes: printed.bytes, sha256: printed.sha256 });

    const second = path.join(dir, 'nested', 'again.tansu-backup');
    const human = await tansu('tenant', 'backup', id, '--out', second);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toBe(`${second}\n  size    ${fs.statSync(second).size} bytes\n  sha256  ${sha256Of(second)}\n`);
  });

  it('refuses to overwrite an existing file, and an unknown tenant', async () => {
    const before = sha256Of(backupFile);
    const again = await tansu('tenant', 'backup', id, '--out', backupFile);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`tansu: ${backupFile} already exists; choose another --out (backup_exists)\n`);
    expect(sha256Of(backupFile)).toBe(before);

    const unknown = await tansu('tenant', 'backup', 'nosuch-tenant', '--out', path.join(dir, 'nosuch.tansu-backup'));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('tansu: tenant "nosuch-tenant" does not exist (tenant_not_found)\n');
    expect(fs.existsSync(path.join(dir, 'nosuch.tansu-backup'))).toBe(false);
  });
});

describe('tansu tenant restore', () => {
  it('refuses to replace an existing tenant without --force and leaves it untouched', async () => {
    await addUser(id, 'after@backup.test');
    const row = await findTenant(platform.db, id);
    const run = await tansu('tenant', 'restore', id, '--from', backupFile);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`tansu: tenant "${id}" already exists; add --force to replace it with the backup (tenant_exists)\n`);
    expect(await findTenant(platform.db, id)).toEqual(row);
    expect(await emails(id)).toContain('after@backup.test');
  });

  it('restores a copy under another id with --as: its own database, independent of the original', async () => {
    const copy = uniqueTenantId('clibc');
    const run = await tansu('tenant', 'restore', id, '--from', backupFile, '--as', copy, '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ tenant: copy, cluster: 'main', status: 'active', replaced: false, signing_keys: 2 });

    const original = (await findTenant(platform.db, id))!;
    const restored = (await findTenant(platform.db, copy))!;
    expect(restored).toMatchObject({ status: 'active', display_name: 'Backed Up', database_name: `tansu_tenant_${copy.replaceAll('-', '_')}` });
    expect(restored.database_name).not.toBe(original.database_name);
    // The copy holds what the backup held, not what the original got afterwards…
    expect(await emails(copy)).toEqual([`admin@${id}.test`, 'before@backup.test']);
    // …and changes to one do not reach the other.
    await addUser(copy, 'copy-only@backup.test');
    expect(await emails(id)).not.toContain('copy-only@backup.test');
    expect(await emails(id)).toContain('after@backup.test');
  });

  it('replaces the existing tenant with --force', async () => {
    const run = await tansu('tenant', 'restore', id, '--from', backupFile, '--force');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`restored tenant ${id} on cluster main (replaced the existing one); 2 signing keys\n`);
    expect(await emails(id)).toEqual([`admin@${id}.test`, 'before@backup.test']);
    expect((await findTenant(platform.db, id))?.status).toBe('active');
  });

  it('refuses a truncated file with a clear error (exit 2) and registers nothing', async () => {
    const truncated = path.join(dir, 'truncated.tansu-backup');
    const whole = fs.readFileSync(backupFile);
    fs.writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
    const copy = uniqueTenantId('clibt');
    const run = await tansu('tenant', 'restore', id, '--from', truncated, '--as', copy);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`tansu: ${truncated} is not a usable Tansu backup: it is truncated (${Math.floor(whole.length / 2)} of ${whole.length} bytes) (backup_invalid)\n`);
    expect(await findTenant(platform.db, copy)).toBeUndefined();
  });

  it.each([
    ['a file with one byte flipped', flippedCopy, 'is not a usable Tansu backup: its seal does not verify: the file was altered or damaged after it was written (backup_invalid)'],
    ['a file sealed under another master key', resealedUnderAnotherKey, 'was sealed under another master key; backups restore only under the TANSU_MASTER_KEY that wrote them (backup_key_mismatch)'],
    ['a backup in the old unkeyed format', asFormat1, 'is a backup in the older format 1, whose checksum is not keyed'],
  ])('refuses %s with exit 2, on stderr, creating nothing', async (_what, make, message) => {
    const file = await make();
    const copy = uniqueTenantId('clibx');
    const run = await tansu('tenant', 'restore', id, '--from', file, '--as', copy);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`tansu: ${file} ${message}`);
    expect(run.stderr).toMatch(/\((backup_invalid|backup_key_mismatch|backup_unauthenticated)\)\n$/);
    expect(await findTenant(platform.db, copy)).toBeUndefined();
  });

  it.each([
    // A file that is not there is a failure (1), like an unknown tenant; a wrong one is bad input (2).
    ['a missing file', () => ['--from', path.join(dir, 'missing.tansu-backup')], 1, /^tansu: cannot read .*missing\.tansu-backup: ENOENT \(backup_not_found\)\n$/],
    ['a backup of another tenant', () => ['--from', backupFile], 2, /^tansu: .* holds tenant "[^"]+", not "other-tenant" \(use --as to restore it under another id\) \(backup_tenant_mismatch\)\n$/],
  ])('refuses %s with its exit code', async (_what, options, code, message) => {
    const run = await tansu('tenant', 'restore', 'other-tenant', ...options());
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
    expect(await findTenant(platform.db, 'other-tenant')).toBeUndefined();
  });
});
