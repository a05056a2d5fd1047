import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactVerify, importJWK, CompactSign, type JWK } from 'jose';
import { openTestPlatform, uniqueTenantId, clusterUrl, type TestPlatform } from '../support/platform.ts';
import { createTenant } from '../../src/provisioning/tenants.service.ts';
import { backupTenant } from '../../src/provisioning/backup.ts';
import { restoreTenant } from '../../src/provisioning/restore.ts';
import { writeBackupFile } from '../../src/provisioning/backup-file.ts';
import { findPgTool } from '../../src/provisioning/pg-tools.ts';
import { findTenant } from '../../src/platform/tenants.repository.ts';
import { openTenantDatabase, type TenantDb } from '../../src/db/tenant-database.ts';
import { insertUser } from '../../src/modules/users/users.repository.ts';
import { authenticatePassword } from '../../src/modules/users/authenticate.ts';
import { loginKeysFor } from '../../src/modules/users/login-keys.ts';
import { loadPublishedKeySet, openPrivateJwk } from '../../src/modules/keys/signing-keys.ts';
import { hashPassword } from '../../src/crypto/passwords.ts';
import { databaseExists, withMaintenanceSession } from '../../src/db/postgres.ts';

let platform: TestPlatform;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-backup-'));
const password = 'correct horse battery staple';

beforeAll(async () => {
  platform = await openTestPlatform();
});
afterAll(async () => {
  await platform.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function withTenantDb<T>(id: string, work: (db: TenantDb) => Promise<T>): Promise<T> {
  const row = (await findTenant(platform.db, id))!;
  const db = openTenantDatabase(await platform.clusters.urlOf(row.cluster), row.database_name, 1);
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

const emails = (id: string) => withTenantDb(id, async (db) => (await db.selectFrom('users').select('email').orderBy('email').execute()).map((u) => u.email));

/** A token signed with the tenant's active key, verified later against the public JWKs only. */
async function signWithActiveKey(id: string): Promise<string> {
  const [active] = await withTenantDb(id, (db) => loadPublishedKeySet(db, id, platform.secrets).then((set) => set.jwks));
  const key = await importJWK(active!, 'RS256');
  return new CompactSign(new TextEncoder().encode('{"sub":"x"}')).setProtectedHeader({ alg: 'RS256', kid: active!.kid! }).sign(key);
}

async function verifiesWithPublishedKeys(id: string, token: string): Promise<boolean> {
  const keys = await withTenantDb(id, (db) => db.selectFrom('signing_keys').select('public_jwk').execute());
  for (const { public_jwk } of keys) {
    try {
      await compactVerify(token, await importJWK(public_jwk as JWK, 'RS256'));
      return true;
    } catch {
      // not this key
    }
  }
  return false;
}

describe('tenant backup and restore', () => {
  const id = uniqueTenantId('bk');
  let backupFile: string;
  let tokenBefore: string;

  beforeAll(async () => {
    await createTenant(platform, { id, adminEmail: 'admin@bk.test', adminPassword: password });
    await withTenantDb(id, async (db) => insertUser(db, { email: 'alice@bk.test', passwordHash: await hashPassword(password) }));
    tokenBefore = await signWithActiveKey(id);
  });

  it('writes one file and reports its path, size and SHA-256', async () => {
    const out = path.join(dir, `${id}.tansu-backup`);
    const backup = await backupTenant(platform, id, { out });
    backupFile = backup.path;
    const bytes = fs.readFileSync(out);
    expect(backup).toMatchObject({ tenant: id, path: out, bytes: bytes.length });
    expect(backup.sha256).toBe(crypto.createHash('sha256').update(bytes).digest('hex'));
    expect(bytes.subarray(0, 7).toString()).toBe('TANSUBK');
    expect(fs.readdirSync(dir)).toEqual([path.basename(out)]); // no archive or .partial left behind
  });

  it('refuses to overwrite an existing tenant without --force', async () => {
    await expect(restoreTenant(platform, { from: backupFile })).rejects.toMatchObject({ code: 'tenant_exists' });
  });

  it('with --force replaces the tenant: old data back, old passwords sign in, old tokens verify', async () => {
    await withTenantDb(id, (db) => insertUser(db, { email: 'later@bk.test', passwordHash: null }));
    const result = await restoreTenant(platform, { from: backupFile, force: true });
    expect(result).toMatchObject({ replaced: true, signingKeys: 2 });
    expect(result.tenant.status).toBe('active');
    expect(await emails(id)).toEqual(['admin@bk.test', 'alice@bk.test']);
    const login = await withTenantDb(id, (db) => authenticatePassword(db, loginKeysFor(platform.config, id), { email: 'alice@bk.test', password, ip: '127.0.0.1' }));
    expect(login.ok).toBe(true);
    expect(await verifiesWithPublishedKeys(id, tokenBefore)).toBe(true);
    expect(await withTenantDb(id, (db) => loadPublishedKeySet(db, id, platform.secrets).then((set) => set.jwks))).toHaveLength(2);
  });

  it('with --as makes an independent copy whose keys are re-sealed for the new id', async () => {
    const copy = uniqueTenantId('copy');
    const result = await restoreTenant(platform, { from: backupFile, as: copy });
    expect(result).toMatchObject({ replaced: false, tenant: { id: copy, status: 'active', database_name: `tansu_tenant_${copy.replace('-', '_')}` } });
    expect(await emails(copy)).toEqual(['admin@bk.test', 'alice@bk.test']);
    const copyKeys = await withTenantDb(copy, (db) => loadPublishedKeySet(db, copy, platform.secrets).then((set) => set.jwks));
    const originalKeys = await withTenantDb(id, (db) => loadPublishedKeySet(db, id, platform.secrets).then((set) => set.jwks));
    expect(copyKeys.map((k) => k.kid).sort()).toEqual(originalKeys.map((k) => k.kid).sort());
    expect(await verifiesWithPublishedKeys(copy, tokenBefore)).toBe(true);

    // Isolation: a key row of the copy is bound to the copy's id and does not open as the original's.
    const row = await withTenantDb(copy, (db) => db.selectFrom('signing_keys').selectAll().executeTakeFirstOrThrow());
    expect(() => openPrivateJwk(id, row, platform.secrets)).toThrow(/cannot be opened/);
    // Changing the copy leaves the original alone.
    await withTenantDb(copy, (db) => db.deleteFrom('users').where('email', '=', 'alice@bk.test').execute());
    expect(await emails(id)).toEqual(['admin@bk.test', 'alice@bk.test']);
  });

  it('refuses a corrupt or truncated file with a clear error and leaves the tenant untouched', async () => {
    const bytes = fs.readFileSync(backupFile);
    const flipped = Buffer.from(bytes);
    flipped[Math.floor(bytes.length / 2)]! ^= 0xff;
    const cases: Array<[string, Buffer, RegExp]> = [
      ['flipped.bak', flipped, /checksum does not match/],
      ['truncated.bak', bytes.subarray(0, bytes.length - 100), /truncated/],
      ['header-only.bak', bytes.subarray(0, 20), /truncated/],
      ['not-a-backup.bak', Buffer.from('hello world, this is not a backup at all'), /signature/],
    ];
    const before = await withTenantDb(id, (db) => db.selectFrom('users').selectAll().orderBy('email').execute());
    for (const [name, content, message] of cases) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, content);
      await expect(restoreTenant(platform, { from: file, force: true })).rejects.toMatchObject({ code: 'backup_invalid', message });
    }
    await expect(restoreTenant(platform, { from: path.join(dir, 'missing.bak') })).rejects.toMatchObject({ code: 'backup_not_found' });
    expect((await findTenant(platform.db, id))!.status).toBe('active');
    expect(await withTenantDb(id, (db) => db.selectFrom('users').selectAll().orderBy('email').execute())).toEqual(before);
  });

  it('an archive pg_restore rejects fails cleanly: no tenant row, no database, the existing tenant unchanged', async () => {
    const garbage = path.join(dir, 'garbage.archive');
    fs.writeFileSync(garbage, crypto.randomBytes(4096));
    const file = path.join(dir, 'garbage.tansu-backup');
    await writeBackupFile(
      file,
      {
        format: 'tansu-tenant-backup', version: 1, createdAt: new Date().toISOString(), serverVersionNum: 150018,
        tenant: { id, displayName: 'x', status: 'active', cluster: 'main', databaseName: 'x', createdAt: new Date().toISOString() },
      },
      garbage,
    );
    const fresh = uniqueTenantId('fresh');
    await expect(restoreTenant(platform, { from: file, as: fresh })).rejects.toMatchObject({ code: 'restore_failed', message: /pg_restore failed/ });
    expect(await findTenant(platform.db, fresh)).toBeUndefined();
    expect(await withMaintenanceSession(clusterUrl(), (c) => databaseExists(c, `tansu_tenant_${fresh.replace('-', '_')}`))).toBe(false);

    await expect(restoreTenant(platform, { from: file, force: true })).rejects.toMatchObject({ code: 'restore_failed' });
    expect((await findTenant(platform.db, id))!.status).toBe('active');
    expect(await emails(id)).toEqual(['admin@bk.test', 'alice@bk.test']);
  });

  it('refuses a backup sealed under another master key before swapping anything', async () => {
    const other = await openTestPlatform();
    try {
      await expect(restoreTenant(other, { from: backupFile })).rejects.toMatchObject({ code: 'backup_key_mismatch' });
      expect(await findTenant(other.db, id)).toBeUndefined();
    } finally {
      await other.destroy();
    }
  });
});

describe('pg_dump / pg_restore lookup', () => {
  it('names what is missing, and refuses tools older than the server', async () => {
    await expect(findPgTool('pg_dump', 15, '/nonexistent/bin')).rejects.toMatchObject({
      code: 'pg_tools_missing',
      message: expect.stringMatching(/pg_dump for PostgreSQL 15 not found in PG_BIN_DIR=\/nonexistent\/bin.*postgresql-client-15/),
    });
    await expect(findPgTool('pg_restore', 99, undefined)).rejects.toMatchObject({
      code: 'pg_tools_too_old',
      message: expect.stringMatching(/pg_restore must be version 99 or newer.*\(15\)/),
    });
    expect(await findPgTool('pg_dump', 15, undefined)).toMatch(/pg_dump$/);
  });

  it('a backup with PG_BIN_DIR pointing nowhere fails clearly and leaves no file', async () => {
    const config = { ...platform.config, pgBinDir: '/nonexistent/bin' };
    const misconfigured = { ...platform, config } as TestPlatform;
    const id = uniqueTenantId('nobin');
    await createTenant(platform, { id });
    const out = path.join(dir, 'nobin', 'x.tansu-backup');
    await expect(backupTenant(misconfigured, id, { out })).rejects.toMatchObject({ code: 'pg_tools_missing' });
    expect(fs.readdirSync(path.dirname(out))).toEqual([]);
  });
});
