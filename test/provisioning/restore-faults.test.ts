import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, uniqueTenantId, clusterUrl, type TestPlatform } from '../support/platform.ts';
import { createTenant } from '../../src/provisioning/tenants.service.ts';
import { backupTenant } from '../../src/provisioning/backup.ts';
import { restoreTenant } from '../../src/provisioning/restore.ts';
import { findTenant } from '../../src/platform/tenants.repository.ts';
import { openTenantDatabase } from '../../src/db/tenant-database.ts';
import { insertUser } from '../../src/modules/users/users.repository.ts';
import { dropDatabase, withMaintenanceSession } from '../../src/db/postgres.ts';
import { tenantDatabaseName, type TenantId } from '../../src/platform/tenant-id.ts';

/** A restore that fails leaves a whole new tenant or nothing, and an existing tenant as it was. */

let platform: TestPlatform;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-restore-faults-'));
const original = uniqueTenantId('rf');
let backupFile: string;

beforeAll(async () => {
  platform = await openTestPlatform();
  await createTenant(platform, { id: original, adminEmail: 'admin@rf.test' });
  await addUser(original, 'alice@rf.test');
  backupFile = (await backupTenant(platform, original, { out: path.join(dir, 'rf.tansu-backup') })).path;
});
afterAll(async () => {
  await platform.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function addUser(id: string, email: string): Promise<void> {
  const db = openTenantDatabase(clusterUrl(), tenantDatabaseName(id as TenantId), 1);
  try {
    await insertUser(db, { email, passwordHash: null });
  } finally {
    await db.destroy();
  }
}

async function emails(id: string): Promise<string[]> {
  const db = openTenantDatabase(clusterUrl(), tenantDatabaseName(id as TenantId), 1);
  try {
    return (await db.selectFrom('users').select('email').orderBy('email').execute()).map((u) => u.email);
  } finally {
    await db.destroy();
  }
}

/** Databases are tracked by OID: a swap renames them, so a name says little about which one it is. */
const oidOf = (name: string) =>
  withMaintenanceSession(clusterUrl(), async (client) => {
    const { rows } = await client.query<{ oid: number }>('SELECT oid::int FROM pg_database WHERE datname = $1', [name]);
    return rows[0]?.oid;
  });
const nameOfOid = (oid: number) =>
  withMaintenanceSession(clusterUrl(), async (client) => {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE oid = $1', [oid]);
    return rows[0]?.datname;
  });

/** Restores with the registry update failing; returns the OID the restored database had at that moment. */
async function restoreFailingRegistration(id: string, options: { as?: string; force?: boolean }): Promise<number | undefined> {
  let restoredOid: number | undefined;
  await expect(
    restoreTenant(platform, {
      from: backupFile,
      ...options,
      afterSwap: async (step) => {
        if (step !== 'register') return;
        restoredOid = await oidOf(tenantDatabaseName(id as TenantId));
        throw new Error('injected: registry unreachable');
      },
    }),
  ).rejects.toMatchObject({ code: 'restore_failed', message: /injected: registry unreachable/ });
  return restoredOid;
}

/** Restores with every step after the registry update failing; returns the result and the steps that failed. */
async function restoreFailingAfterRegistration(options: { as?: string; force?: boolean }) {
  const failed: string[] = [];
  const result = await restoreTenant(platform, {
    from: backupFile,
    ...options,
    afterSwap: (step) => {
      if (step === 'register') return;
      failed.push(step);
      throw new Error(`injected: ${step} failed`);
    },
  });
  return { result, failed };
}

describe('restore faults after the swap', () => {
  it('a new tenant (--as) whose registration fails leaves no row and no database', async () => {
    const copy = uniqueTenantId('rfnew');
    const restoredOid = await restoreFailingRegistration(copy, { as: copy });
    expect(restoredOid).toBeTypeOf('number');
    expect(await nameOfOid(restoredOid!)).toBeUndefined();
    expect(await oidOf(tenantDatabaseName(copy as TenantId))).toBeUndefined();
    expect(await findTenant(platform.db, copy)).toBeUndefined();
  });

  it('a new tenant whose later steps fail is restored whole: active row, database, data', async () => {
    const copy = uniqueTenantId('rfpost');
    const { result, failed } = await restoreFailingAfterRegistration({ as: copy });
    expect(failed).toEqual(['notify', 'record']);
    expect(result).toMatchObject({ replaced: false, tenant: { id: copy, status: 'active' } });
    expect(await findTenant(platform.db, copy)).toMatchObject({ status: 'active' });
    expect(await emails(copy)).toEqual(['admin@rf.test', 'alice@rf.test']);
  });

  it('a new tenant whose registration committed although an error came back is kept whole', async () => {
    const copy = uniqueTenantId('rflost');
    await expect(
      restoreTenant(platform, {
        from: backupFile,
        as: copy,
        afterSwap: async (step) => {
          if (step !== 'register') return;
          // What a lost reply to the registry update looks like: the row changed, yet an error came back.
          await platform.db.updateTable('tenants').set({ status: 'active' }).where('id', '=', copy).execute();
          throw new Error('injected: connection lost after COMMIT');
        },
      }),
    ).rejects.toMatchObject({ code: 'restore_failed' });
    expect(await findTenant(platform.db, copy)).toMatchObject({ status: 'active' });
    expect(await emails(copy)).toEqual(['admin@rf.test', 'alice@rf.test']);
  });

  it('an existing tenant (--force) whose registration fails keeps its own database and data', async () => {
    await addUser(original, 'later@rf.test');
    const before = await oidOf(tenantDatabaseName(original as TenantId));
    const restoredOid = await restoreFailingRegistration(original, { force: true });
    expect(restoredOid).not.toBe(before);
    expect(await nameOfOid(restoredOid!)).toBeUndefined();
    expect(await oidOf(tenantDatabaseName(original as TenantId))).toBe(before);
    expect(await findTenant(platform.db, original)).toMatchObject({ status: 'active' });
    expect(await emails(original)).toEqual(['admin@rf.test', 'alice@rf.test', 'later@rf.test']);
  });

  it('an existing tenant whose later steps fail is replaced, and the replaced database is left for cleanup', async () => {
    const replacedOid = (await oidOf(tenantDatabaseName(original as TenantId)))!;
    const { result, failed } = await restoreFailingAfterRegistration({ force: true });
    expect(failed).toEqual(['notify', 'drop-replaced', 'record']);
    expect(result).toMatchObject({ replaced: true, tenant: { id: original, status: 'active' } });
    expect(await emails(original)).toEqual(['admin@rf.test', 'alice@rf.test']);
    const leftover = await nameOfOid(replacedOid);
    expect(leftover).toMatch(/^tansu_old_/);
    await withMaintenanceSession(clusterUrl(), (client) => dropDatabase(client, leftover!));
  });
});
