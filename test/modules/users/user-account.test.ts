import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startUsersTestBed, type UsersTestBed } from '../../support/users.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import type { Actor, TenantScope } from '../../../src/platform/tenant-scope.ts';
import { createUser, updateUser } from '../../../src/modules/users/users.service.ts';
import { deleteUser, disableUser, enableUser } from '../../../src/modules/users/user-account.service.ts';

/**
 * The account services beyond what the admin API's HTTP tests show: an admin cannot lock
 * themselves out, and enabling an account deletes what a sign-in racing the disable saved.
 */
let bed: UsersTestBed;
let acme: TenantScope;

beforeAll(async () => {
  bed = await startUsersTestBed();
  acme = await bed.tenant('account');
});
afterAll(async () => {
  await bed?.close();
});

let counter = 0;
async function newUser(roles: string[] = []) {
  const { user } = await createUser(acme, { email: `account-${++counter}@example.test`, password: 'long enough 123', roles }, TEST_ACTOR);
  return user;
}
const asUser = (id: string): Actor => ({ type: 'user', id, ip: '192.0.2.1' });

/** A row as the provider saves it for the account (oidc/adapter.ts). */
async function saveProviderRow(model: string, id: string, accountId: string): Promise<void> {
  await acme.db
    .insertInto('oidc_payloads')
    .values({ model, id, payload: JSON.stringify({ accountId, grantId: `grant-${id}`, kind: model }), expires_at: new Date(Date.now() + 3_600_000) })
    .execute();
}

describe('an admin acting on their own account', () => {
  it('cannot disable or delete it, nor drop their own TenantAdmin role; another admin can', async () => {
    const self = await newUser(['TenantAdmin', 'Editor']);
    const other = await newUser(['TenantAdmin']);
    const refused = { code: 'self_lockout', status: 409 };
    await expect(disableUser(acme, { userId: self.id }, asUser(self.id))).rejects.toMatchObject(refused);
    await expect(deleteUser(acme, { userId: self.id }, asUser(self.id))).rejects.toMatchObject(refused);
    await expect(updateUser(acme, { userId: self.id, roles: ['Editor'] }, asUser(self.id))).rejects.toMatchObject(refused);
    // Other changes to their own account are theirs to make.
    expect((await updateUser(acme, { userId: self.id, roles: ['TenantAdmin'], name: 'Me' }, asUser(self.id))).roles).toEqual(['TenantAdmin']);

    expect((await disableUser(acme, { userId: self.id }, asUser(other.id))).status).toBe('disabled');
    const events = await acme.db.selectFrom('audit_events').select(['action', 'actor', 'ip']).where('target', '=', self.id).orderBy('id').execute();
    expect(events.map((event) => event.action)).toEqual(['user.created', 'user.updated', 'user.disabled']);
    expect(events.at(-1)).toEqual({ action: 'user.disabled', actor: `user:${other.id}`, ip: '192.0.2.1' });
  });
});

describe('enabling an account', () => {
  it("deletes provider rows saved while it was disabled (a sign-in or refresh that raced the disable), and only the account's", async () => {
    const user = await newUser();
    const bystander = await newUser();
    await saveProviderRow('RefreshToken', 'before-disable', user.id);
    await disableUser(acme, { userId: user.id }, TEST_ACTOR);
    const left = await acme.db.selectFrom('oidc_payloads').select('id').where(sql<boolean>`payload->>'accountId' = ${user.id}`).execute();
    expect(left).toEqual([]);

    // Saved by a refresh that had found the account active just before the disable committed.
    await saveProviderRow('RefreshToken', 'raced', user.id);
    await saveProviderRow('RefreshToken', 'bystander', bystander.id);
    expect((await enableUser(acme, { userId: user.id }, TEST_ACTOR)).status).toBe('active');
    const rows = await acme.db.selectFrom('oidc_payloads').select('id').where('model', '=', 'RefreshToken').where('id', 'in', ['raced', 'bystander']).execute();
    expect(rows).toEqual([{ id: 'bystander' }]);
    const event = await acme.db.selectFrom('audit_events').select('details').where('action', '=', 'user.enabled').where('target', '=', user.id).executeTakeFirstOrThrow();
    expect(event.details).toEqual({ before: { status: 'disabled' }, after: { status: 'active' }, revoked: { refresh_tokens: 1 } });
  });
});
