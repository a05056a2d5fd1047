import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errors } from 'oidc-provider';
import { openTestPlatform, uniqueTenantId, clusterUrl, type TestPlatform } from '../support/platform.ts';
import { createTenant } from '../../src/provisioning/tenants.service.ts';
import { openTenantDatabase, type TenantDb } from '../../src/db/tenant-database.ts';
import { createAdapterFactory, deleteExpiredPayloads } from '../../src/oidc/adapter.ts';

let platform: TestPlatform;
let db: TenantDb;
const noClients = async () => undefined;

beforeAll(async () => {
  platform = await openTestPlatform();
  const { tenant } = await createTenant(platform, { id: uniqueTenantId('adapter') });
  db = openTenantDatabase(clusterUrl(), tenant.database_name, 2);
});
afterAll(async () => {
  await db?.destroy();
  await platform?.destroy();
});

describe('the Kysely adapter', () => {
  const adapterFor = (model: string) => createAdapterFactory(db, noClients)(model);

  it('stores, finds, consumes and destroys per model', async () => {
    const codes = adapterFor('AuthorizationCode');
    const sessions = adapterFor('Session');
    await codes.upsert('same-id', { grantId: 'g1', accountId: 'u1' }, 60);
    expect(await codes.find('same-id')).toEqual({ grantId: 'g1', accountId: 'u1' });
    // The id namespace is per model.
    expect(await sessions.find('same-id')).toBeUndefined();

    await codes.consume('same-id');
    const consumed = await codes.find('same-id');
    expect(consumed?.consumed).toBeGreaterThan(Date.now() / 1000 - 60);

    await codes.destroy('same-id');
    expect(await codes.find('same-id')).toBeUndefined();
  });

  it('finds sessions by uid and device codes by user code; stores payloads without expiry', async () => {
    await adapterFor('Session').upsert('s1', { uid: 'uid-1', accountId: 'u1' });
    expect((await adapterFor('Session').findByUid('uid-1'))?.accountId).toBe('u1');
    await adapterFor('DeviceCode').upsert('d1', { userCode: 'ABCD-EFGH' }, 600);
    expect(await adapterFor('DeviceCode').findByUserCode('ABCD-EFGH')).toEqual({ userCode: 'ABCD-EFGH' });
  });

  it('revokes by grant id only within the model and grant', async () => {
    const tokens = adapterFor('AccessToken');
    await tokens.upsert('t1', { grantId: 'grant-x' }, 60);
    await tokens.upsert('t2', { grantId: 'grant-x' }, 60);
    await tokens.upsert('t3', { grantId: 'grant-y' }, 60);
    await adapterFor('RefreshToken').upsert('r1', { grantId: 'grant-x' }, 60);
    await tokens.revokeByGrantId('grant-x');
    expect(await tokens.find('t1')).toBeUndefined();
    expect(await tokens.find('t2')).toBeUndefined();
    expect(await tokens.find('t3')).toBeDefined();
    expect(await adapterFor('RefreshToken').find('r1')).toBeDefined();
  });

  it('hides expired rows at once and deletes them in the cleanup', async () => {
    const interactions = adapterFor('Interaction');
    await interactions.upsert('old', { uid: 'old' }, 60);
    await interactions.upsert('fresh', { uid: 'fresh' }, 60);
    await db.updateTable('oidc_payloads').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', 'old').execute();
    expect(await interactions.find('old')).toBeUndefined();
    expect(await interactions.findByUid('old')).toBeUndefined();

    expect(await deleteExpiredPayloads(db, 1)).toBe(1);
    const left = await db.selectFrom('oidc_payloads').select('id').where('model', '=', 'Interaction').execute();
    expect(left.map((row) => row.id)).toEqual(['fresh']);
  });

  it('keeps a consumed payload consumed when it is saved again', async () => {
    const codes = adapterFor('AuthorizationCode');
    await codes.upsert('c2', { grantId: 'g2' }, 60);
    await codes.consume('c2');
    await codes.upsert('c2', { grantId: 'g2' }, 60);
    expect((await codes.find('c2'))?.consumed).toBeGreaterThan(0);
    await expect(codes.consume('c2')).rejects.toBeInstanceOf(errors.InvalidGrant);
  });

  it('consumes once; a second consume revokes every payload of the grant and throws invalid_grant', async () => {
    const codes = adapterFor('AuthorizationCode');
    await adapterFor('Grant').upsert('grant-z', { accountId: 'u1', clientId: 'c' }, 60);
    await codes.upsert('code-z', { grantId: 'grant-z' }, 60);
    await adapterFor('AccessToken').upsert('at-z', { grantId: 'grant-z' }, 60);
    await adapterFor('RefreshToken').upsert('rt-z', { grantId: 'grant-z' }, 60);
    await adapterFor('AccessToken').upsert('at-other', { grantId: 'grant-other' }, 60);

    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => codes.consume('code-z')));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes.filter((o) => o.status === 'rejected')) {
      expect(outcome.reason).toBeInstanceOf(errors.InvalidGrant);
      expect(outcome.reason).toMatchObject({ error: 'invalid_grant', error_description: 'grant request is invalid' });
    }
    expect(await adapterFor('Grant').find('grant-z')).toBeUndefined();
    expect(await codes.find('code-z')).toBeUndefined();
    expect(await adapterFor('AccessToken').find('at-z')).toBeUndefined();
    expect(await adapterFor('RefreshToken').find('rt-z')).toBeUndefined();
    expect(await adapterFor('AccessToken').find('at-other')).toBeDefined();
  });

  it('a pushed authorization request is used once; the loser gets invalid_request_uri', async () => {
    const requests = adapterFor('PushedAuthorizationRequest');
    await requests.upsert('par-1', { request: 'x' }, 60);
    await requests.consume('par-1');
    await expect(requests.consume('par-1')).rejects.toBeInstanceOf(errors.InvalidRequestUri);
  });

  it('refuses writes to the read-only Client model', async () => {
    await expect(adapterFor('Client').upsert('x', {}, 60)).rejects.toThrow(/managed by tansu/);
  });
});
