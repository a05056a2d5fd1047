import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { compactVerify, importJWK, CompactSign, type JWK } from 'jose';
import { openTestPlatform, uniqueTenantId, clusterUrl, type TestPlatform } from '../support/platform.ts';
import { createTenant } from '../../src/provisioning/tenants.service.ts';
import { backupTenant } from '../../src/provisioning/backup.ts';
import { restoreTenant } from '../../src/provisioning/restore.ts';
import { writeBackupFile } from '../../src/provisioning/backup-file.ts';
import { dumpDatabase, restoreIntoScratchDatabase } from '../../src/provisioning/database-copy.ts';
import { findPgTool } from '../../src/provisioning/pg-tools.ts';
import { backupSealKey, deriveBackupSealKey } from '../../src/crypto/backup-seal.ts';
import { findTenant, setTenantStatus } from '../../src/platform/tenants.repository.ts';
import { openTenantDatabase, type TenantDb } from '../../src/db/tenant-database.ts';
import { insertUser } from '../../src/modules/users/users.repository.ts';
import { authenticatePassword } from '../../src/modules/users/authenticate.ts';
import { loginKeysFor } from '../../src/modules/users/login-keys.ts';
import { confirmTotpEnrolment, startTotpEnrolment } from '../../src/modules/mfa/enrolment.service.ts';
import { verifySecondFactor } from '../../src/modules/mfa/second-factor.service.ts';
import { testScope, TEST_ACTOR } from '../support/scope.ts';
import { generate } from 'otplib';
import { loadPublishedKeySet, openPrivateJwk } from '../../src/modules/keys/signing-keys.ts';
import { hashPassword } from '../../src/crypto/passwords.ts';
import { createDatabase, databaseExists, databaseUrl, dropDatabase, terminateConnections, withMaintenanceSession } from '../../src/db/postgres.ts';
import { eventually } from '../support/eventually.ts';
import { tenantDatabaseName, type TenantId } from '../../src/platform/tenant-id.ts';

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

const databaseOf = (tenantId: string) => tenantDatabaseName(tenantId as TenantId);
const databaseIsThere = (name: string) => withMaintenanceSession(clusterUrl(), (c) => databaseExists(c, name));

/** Refused with `code`, and nothing created for `as`: no registry row, no database. */
async function expectRefusedLeavingNothing(file: string, as: string, code: string, message?: RegExp): Promise<void> {
  await expect(restoreTenant(platform, { from: file, as })).rejects.toMatchObject({ code, ...(message ? { message } : {}) });
  expect(await findTenant(platform.db, as)).toBeUndefined();
  expect(await databaseIsThere(databaseOf(as))).toBe(false);
}

/** A file in the old format 1: the same layout, but an unkeyed SHA-256 as the trailer. */
function writeFormat1Backup(file: string, tenantId: string, archive: Buffer): void {
  const header = Buffer.from(JSON.stringify({
    format: 'tansu-tenant-backup', version: 1, createdAt: new Date().toISOString(), serverVersionNum: 150000, archiveBytes: archive.length,
    tenant: { id: tenantId, displayName: 'x', status: 'active', cluster: 'main', databaseName: 'x', createdAt: new Date().toISOString() },
  }));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(header.length);
  const body = Buffer.concat([Buffer.from('TANSUBK\x01', 'latin1'), length, header, archive]);
  fs.writeFileSync(file, Buffer.concat([body, crypto.createHash('sha256').update(body).digest()]));
}

describe('tenant backup and restore', () => {
  const id = uniqueTenantId('bk');
  let backupFile: string;
  let tokenBefore: string;

  let totpSecret: string;

  beforeAll(async () => {
    await createTenant(platform, { id, adminEmail: 'admin@bk.test', adminPassword: password });
    totpSecret = await withTenantDb(id, async (db) => {
      const alice = await insertUser(db, { email: 'alice@bk.test', passwordHash: await hashPassword(password) });
      // Her authenticator app: the factor lives in the tenant's database, so backups carry it.
      const scope = testScope(platform, id, db);
      const enrolment = await startTotpEnrolment(scope, { userId: alice.id, issuerName: 'bk', accountName: alice.email });
      await confirmTotpEnrolment(scope, { userId: alice.id, factorId: enrolment.factorId, code: await generate({ secret: enrolment.secret }) }, TEST_ACTOR);
      return enrolment.secret;
    });
    tokenBefore = await signWithActiveKey(id);
  });

  /** Whether alice's authenticator app still passes her second factor at `tenantId`. */
  const aliceCodeAccepted = (tenantId: string) =>
    withTenantDb(tenantId, async (db) => {
      const alice = await db.selectFrom('users').select(['id', 'email']).where('email', '=', 'alice@bk.test').executeTakeFirstOrThrow();
      const code = await generate({ secret: totpSecret, epoch: Math.floor(Date.now() / 1000) + 30 });
      return (await verifySecondFactor(testScope(platform, tenantId, db), loginKeysFor(platform.config, tenantId), { user: alice, code, ip: '127.0.0.1' })).ok;
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
    expect(await aliceCodeAccepted(id)).toBe(true);
    expect(await verifiesWithPublishedKeys(id, tokenBefore)).toBe(true);
    expect(await withTenantDb(id, (db) => loadPublishedKeySet(db, id, platform.secrets).then((set) => set.jwks))).toHaveLength(2);
  });

  it('with --as makes an independent copy: fresh signing keys, none of the original\'s kids, its tokens do not verify', async () => {
    const copy = uniqueTenantId('copy');
    const result = await restoreTenant(platform, { from: backupFile, as: copy });
    expect(result).toMatchObject({ replaced: false, signingKeys: 2, tenant: { id: copy, status: 'active', database_name: `tansu_tenant_${copy.replace('-', '_')}` } });
    expect(await emails(copy)).toEqual(['admin@bk.test', 'alice@bk.test']);
    const copyKeys = await withTenantDb(copy, (db) => db.selectFrom('signing_keys').selectAll().execute());
    const originalKids = await withTenantDb(id, (db) => db.selectFrom('signing_keys').select('kid').execute()).then((rows) => rows.map((r) => r.kid));
    expect(copyKeys.map((k) => k.state).sort()).toEqual(['active', 'next']);
    expect(copyKeys.filter((k) => originalKids.includes(k.kid))).toEqual([]);
    expect(await verifiesWithPublishedKeys(copy, tokenBefore)).toBe(false);
    expect(await verifiesWithPublishedKeys(id, tokenBefore)).toBe(true);

    // The copy's keys are sealed for the copy's id: they open as the copy's, not as the original's.
    expect(await withTenantDb(copy, (db) => loadPublishedKeySet(db, copy, platform.secrets).then((set) => set.jwks))).toHaveLength(2);
    expect(() => openPrivateJwk(id, copyKeys[0]!, platform.secrets)).toThrow(/cannot be opened/);
    // Users keep their second factors in the copy: the sealed secret opens there too.
    expect(await aliceCodeAccepted(copy)).toBe(true);
    // Changing the copy leaves the original alone.
    await withTenantDb(copy, (db) => db.deleteFrom('users').where('email', '=', 'alice@bk.test').execute());
    expect(await emails(id)).toEqual(['admin@bk.test', 'alice@bk.test']);
  });

  it('refuses a corrupt or truncated file with a clear error and leaves the tenant untouched', async () => {
    const bytes = fs.readFileSync(backupFile);
    const flipped = Buffer.from(bytes);
    flipped[Math.floor(bytes.length / 2)]! ^= 0xff;
    const cases: Array<[string, Buffer, RegExp]> = [
      ['flipped.bak', flipped, /seal does not verify: the file was altered or damaged/],
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
        createdAt: new Date().toISOString(), serverVersionNum: 150018,
        tenant: { id, displayName: 'x', status: 'active', cluster: 'main', databaseName: 'x', createdAt: new Date().toISOString() },
      },
      garbage,
      backupSealKey(platform.config),
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

  it('refuses the file with any one byte flipped, before creating anything', async () => {
    const bytes = fs.readFileSync(backupFile);
    const headerEnd = 12 + bytes.readUInt32BE(8);
    // Signature, version, header length, header (start, middle, end), archive (start, middle, end), seal (start, end).
    const positions = [0, 7, 8, 11, 12, Math.floor(headerEnd / 2), headerEnd - 1, headerEnd, Math.floor(bytes.length / 2), bytes.length - 33, bytes.length - 32, bytes.length - 1];
    for (const position of positions) {
      const flipped = Buffer.from(bytes);
      flipped[position]! ^= 0x01;
      const file = path.join(dir, `flipped-${position}.bak`);
      fs.writeFileSync(file, flipped);
      const fresh = uniqueTenantId('flip');
      const refusal = await restoreTenant(platform, { from: file, as: fresh }).then(() => undefined, (error: { code?: string }) => error.code);
      expect([position, refusal]).toEqual([position, expect.stringMatching(/^backup_(invalid|key_mismatch)$/)]);
      expect(await findTenant(platform.db, fresh)).toBeUndefined();
      expect(await databaseIsThere(databaseOf(fresh))).toBe(false);
    }
  });

  it('refuses a backup in the old unkeyed format 1 as unauthenticated', async () => {
    const archive = fs.readFileSync(backupFile).subarray(12 + fs.readFileSync(backupFile).readUInt32BE(8), -32);
    const file = path.join(dir, 'format-1.tansu-backup');
    writeFormat1Backup(file, id, archive);
    await expectRefusedLeavingNothing(file, uniqueTenantId('old'), 'backup_unauthenticated', /older format 1, whose checksum is not keyed/);
  });
});

describe('a forged archive', () => {
  // The payload runs a shell command on the database server when the archive is restored:
  // REFRESH MATERIALIZED VIEW (emitted by pg_dump for a populated view) calls the function.
  // It fires only outside the database it was built in, i.e. in the scratch database of a restore.
  const forgeDb = `tansu_forge_${crypto.randomBytes(4).toString('hex')}`;
  const marker = `/tmp/tansu-forged-${crypto.randomBytes(6).toString('hex')}`;
  const archive = path.join(dir, 'forged.archive');

  /** Looked up through the server, which is where the payload would run (also in a container). */
  const markerExists = () =>
    withMaintenanceSession(clusterUrl(), async (c) => (await c.query<{ present: boolean }>('SELECT (pg_stat_file($1, true)).size IS NOT NULL AS present', [marker])).rows[0]!.present);

  // The programs read what COPY sends them: one that exits first (touch, rm) leaves COPY writing
  // into a closed pipe, and whether that fails ("Broken pipe") depends on which side is quicker.
  beforeAll(async () => {
    await withMaintenanceSession(clusterUrl(), (c) => createDatabase(c, forgeDb));
    const db = openTenantDatabase(clusterUrl(), forgeDb, 1);
    try {
      await sql`
        CREATE FUNCTION public.payload() RETURNS int LANGUAGE plpgsql AS $body$
        BEGIN
          IF current_database() <> ${sql.lit(forgeDb)} THEN
            EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', ${sql.lit(`cat > ${marker}`)});
          END IF;
          RETURN 1;
        END
        $body$`.execute(db);
      await sql`CREATE MATERIALIZED VIEW public.innocent AS SELECT public.payload() AS x`.execute(db);
    } finally {
      await db.destroy();
    }
    await dumpDatabase(clusterUrl(), forgeDb, archive, undefined);
  });
  afterAll(async () => {
    await withMaintenanceSession(clusterUrl(), async (c) => {
      await dropDatabase(c, forgeDb);
      await c.query(`COPY (SELECT 1) TO PROGRAM 'cat > /dev/null; rm -f ${marker}'`);
    });
  });

  const description = (tenantId: string) => ({
    createdAt: new Date().toISOString(), serverVersionNum: 150000,
    tenant: { id: tenantId, displayName: 'Forged', status: 'active', cluster: 'main', databaseName: 'x', createdAt: new Date().toISOString() },
  });

  it('is refused before pg_restore runs, however it is dressed up: the payload never runs, nothing is created', async () => {
    const victim = uniqueTenantId('forged');
    const ours = backupSealKey(platform.config);
    // Sealed with a key the forger chose, claiming this platform's key id.
    const guessed = path.join(dir, 'forged-guessed-key.tansu-backup');
    await writeBackupFile(guessed, description(victim), archive, { key: crypto.randomBytes(32), id: ours.id });
    await expectRefusedLeavingNothing(guessed, victim, 'backup_invalid', /seal does not verify/);
    // Sealed properly, but under another master key.
    const foreign = path.join(dir, 'forged-foreign-key.tansu-backup');
    await writeBackupFile(foreign, description(victim), archive, deriveBackupSealKey(crypto.randomBytes(32)));
    await expectRefusedLeavingNothing(foreign, victim, 'backup_key_mismatch', /sealed under another master key/);
    // The old format, whose SHA-256 anyone can compute (what the forger used before).
    const unkeyed = path.join(dir, 'forged-format-1.tansu-backup');
    writeFormat1Backup(unkeyed, victim, fs.readFileSync(archive));
    await expectRefusedLeavingNothing(unkeyed, victim, 'backup_unauthenticated');
    expect(await markerExists()).toBe(false);

    // Control: the payload is live. Handed to pg_restore directly, it runs the command.
    const scratch = await restoreIntoScratchDatabase(clusterUrl(), { file: archive }, undefined);
    await withMaintenanceSession(clusterUrl(), (c) => dropDatabase(c, scratch));
    expect(await markerExists()).toBe(true);
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

describe('a backup racing another operation', () => {
  const dumpWaitingOnLock = (database: string) =>
    withMaintenanceSession(clusterUrl(), async (client) => {
      const { rows } = await client.query<{ waiting: string }>(
        "SELECT count(*) AS waiting FROM pg_stat_activity WHERE datname = $1 AND application_name = 'pg_dump' AND wait_event_type = 'Lock'",
        [database],
      );
      return Number(rows[0]!.waiting) > 0;
    });

  it('loses to a move that freezes the tenant mid-dump with tenant_busy naming the status, and leaves no file', async () => {
    const id = uniqueTenantId('bkrace');
    const { tenant } = await createTenant(platform, { id });
    // A session holding a table pg_dump must lock keeps the dump waiting where the move catches it.
    const holder = new pg.Client({ connectionString: databaseUrl(clusterUrl(), tenant.database_name) });
    holder.on('error', () => {});
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
      const out = path.join(dir, 'race', `${id}.tansu-backup`);
      const backup = backupTenant(platform, id, { out });
      backup.catch(() => {});
      await eventually(() => dumpWaitingOnLock(tenant.database_name), 'pg_dump waiting on the locked table');
      // What a move does before it copies: the registry says maintenance, the source's sessions end.
      await setTenantStatus(platform.db, id, 'maintenance', { from: ['active'] });
      await withMaintenanceSession(clusterUrl(), (client) => terminateConnections(client, tenant.database_name));
      await expect(backup).rejects.toMatchObject({ code: 'tenant_busy', status: 409, message: `tenant "${id}" is maintenance; try again when that finishes` });
      expect(fs.readdirSync(path.dirname(out))).toEqual([]);
    } finally {
      await holder.end().catch(() => {});
    }
  });
});
