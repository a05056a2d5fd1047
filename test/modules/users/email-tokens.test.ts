import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUsersTestBed, type UsersTestBed } from '../../support/users.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import type { TenantScope } from '../../../src/platform/tenant-scope.ts';
import { createUser } from '../../../src/modules/users/users.service.ts';
import { EMAIL_TOKEN_LIFETIME_SECONDS, generateEmailToken, hashEmailToken, type EmailTokenPurpose } from '../../../src/modules/users/email-tokens.ts';
import { consumeEmailToken, insertEmailToken } from '../../../src/modules/users/email-tokens.repository.ts';
import { resetPassword } from '../../../src/modules/users/password-reset.service.ts';
import { verifyEmail } from '../../../src/modules/users/email-verification.service.ts';
import { openTenantDatabase } from '../../../src/db/tenant-database.ts';
import { clusterUrl } from '../../support/platform.ts';
import { findTenant } from '../../../src/platform/tenants.repository.ts';

let bed: UsersTestBed;
let alpha: TenantScope;
let beta: TenantScope;

beforeAll(async () => {
  bed = await startUsersTestBed();
  [alpha, beta] = await Promise.all([bed.tenant('tokena'), bed.tenant('tokenb')]);
});
afterAll(async () => {
  await bed?.close();
});

/** A token stored as the flows store one (account-mail.ts), returned in the clear as the mail would carry it. */
async function issue(scope: TenantScope, userId: string, email: string, purpose: EmailTokenPurpose, hashedFor: string = scope.id): Promise<string> {
  const token = generateEmailToken();
  const stored = await insertEmailToken(
    scope.db,
    { tokenHash: hashEmailToken(hashedFor, purpose, token), purpose, email, lifetimeSeconds: EMAIL_TOKEN_LIFETIME_SECONDS[purpose] },
    { userId },
  );
  expect(stored?.user_id).toBe(userId);
  return token;
}

describe('one-time email tokens', () => {
  it('are consumed once when many connections race for one token', async () => {
    const { user } = await createUser(alpha, { email: 'race@tokens.test', password: 'race password 1' }, TEST_ACTOR);
    const token = await issue(alpha, user.id, user.email, 'reset_password');
    const hash = hashEmailToken(alpha.id, 'reset_password', token);
    const row = await findTenant(bed.platform.db, alpha.id);
    const wide = openTenantDatabase(clusterUrl(), row!.database_name, 8);
    try {
      const results = await Promise.all(Array.from({ length: 8 }, () => wide.transaction().execute((trx) => consumeEmailToken(trx, hash, 'reset_password'))));
      expect(results.filter(Boolean)).toHaveLength(1);
    } finally {
      await wide.destroy();
    }
  });

  it('let exactly one of two parallel resets with one link set the password', async () => {
    const { user } = await createUser(alpha, { email: 'pair@tokens.test', password: 'pair password 12' }, TEST_ACTOR);
    const token = await issue(alpha, user.id, user.email, 'reset_password');
    const outcomes = await Promise.allSettled([
      resetPassword(alpha, { token, password: 'first of the pair' }, TEST_ACTOR),
      resetPassword(alpha, { token, password: 'second of the pair' }, TEST_ACTOR),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({ reason: { code: 'invalid_link' } });
  });

  it('answer only their purpose: a verification link is no reset link', async () => {
    const { user } = await createUser(alpha, { email: 'purpose@tokens.test', password: 'purpose password' }, TEST_ACTOR);
    const token = await issue(alpha, user.id, user.email, 'verify_email');
    await expect(resetPassword(alpha, { token, password: 'taken over password' }, TEST_ACTOR)).rejects.toMatchObject({ code: 'invalid_link' });
    expect(await verifyEmail(alpha, { token }, TEST_ACTOR)).toEqual({ email: user.email });
  });

  it("answer only their tenant, even in a copy of the tenant's rows under another id", async () => {
    const { user } = await createUser(beta, { email: 'copied@tokens.test', password: 'copied password' }, TEST_ACTOR);
    // A row as alpha would have stored it, in beta's database (as a restore of alpha as beta would hold it).
    const token = await issue(beta, user.id, user.email, 'verify_email', alpha.id);
    await expect(verifyEmail(beta, { token }, TEST_ACTOR)).rejects.toMatchObject({ code: 'invalid_link', status: 400 });
    const stored = await beta.db.selectFrom('users').select('email_verified').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(stored.email_verified).toBe(false);
  });

  it('confirm an address only while the account still has it', async () => {
    const { user } = await createUser(alpha, { email: 'moved@tokens.test', password: 'moved password 1' }, TEST_ACTOR);
    const token = await issue(alpha, user.id, user.email, 'verify_email');
    await alpha.db.updateTable('users').set({ email: 'elsewhere@tokens.test' }).where('id', '=', user.id).execute();
    await expect(verifyEmail(alpha, { token }, TEST_ACTOR)).rejects.toMatchObject({ code: 'invalid_link' });
    const stored = await alpha.db.selectFrom('users').select('email_verified').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(stored.email_verified).toBe(false);
  });
});
