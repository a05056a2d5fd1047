import argon2 from 'argon2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PostgresQueryCompiler, type KyselyPlugin } from 'kysely';
import type { TenantDb } from '../../../src/db/tenant-database.ts';
import { authenticatePassword } from '../../../src/modules/users/authenticate.ts';
import { loginKeysFor } from '../../../src/modules/users/login-keys.ts';
import { signUp } from '../../../src/modules/users/signup.service.ts';
import { createUser } from '../../../src/modules/users/users.service.ts';
import { updateTenantSettings } from '../../../src/modules/settings/settings.service.ts';
import { THROTTLE } from '../../../src/modules/users/login-throttle.ts';
import { startUsersTestBed, type UsersTestBed } from '../../support/users.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import type { TenantScope } from '../../../src/platform/tenant-scope.ts';
import { signupActor } from '../../../src/platform/tenant-scope.ts';
import type { AccountMail } from '../../../src/modules/users/account-mail.ts';
import { requestPasswordReset } from '../../../src/modules/users/password-reset.service.ts';
import { requestVerificationMail } from '../../../src/modules/users/email-verification.service.ts';

/**
 * Whether an account exists must not show in the work a request does. The seam: the tenant's
 * Kysely with a plugin that writes down the SQL of every statement (parameters aside), and a
 * count of argon2 calls. A known and an unknown email must issue the same statements and the
 * same argon2 work.
 */
let bed: UsersTestBed;
let tenant: TenantScope;

beforeAll(async () => {
  bed = await startUsersTestBed();
  tenant = await bed.tenant('equalwork');
  await updateTenantSettings(tenant, { signup: 'open' }, TEST_ACTOR);
  await createUser(tenant, { email: 'known@example.test', password: 'known password 1' }, TEST_ACTOR);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await bed?.close();
});

/** The senders are not running here: the mail stays in the outbox, where it is counted. */
const mail: AccountMail = { tenantName: 'Equal Work', announce: async () => {} };
const mailsTo = async (to: string) =>
  Number((await tenant.db.selectFrom('mail_outbox').select((eb) => eb.fn.countAll<string>().as('n')).where('to_address', '=', to).executeTakeFirstOrThrow()).n);

let nextIp = 1;
const freshIp = () => `192.0.2.${nextIp++}`;

interface Work {
  statements: string[];
  argon2: string[];
}

/** Runs `work` against a recording view of the tenant's database; statements sorted, as some run in parallel. */
async function recordWork(work: (db: TenantDb) => Promise<unknown>): Promise<Work> {
  const compiler = new PostgresQueryCompiler();
  const statements: string[] = [];
  // Plugins also see the subqueries a statement is built from; only executed ones reach transformResult.
  const built = new Map<unknown, string>();
  const recorder: KyselyPlugin = {
    transformQuery({ node, queryId }) {
      built.set(queryId, compiler.compileQuery(node, queryId).sql);
      return node;
    },
    async transformResult({ result, queryId }) {
      statements.push(built.get(queryId)!);
      return result;
    },
  };
  const calls: string[] = [];
  const verify = vi.spyOn(argon2, 'verify');
  const hash = vi.spyOn(argon2, 'hash');
  try {
    await work(tenant.db.withPlugin(recorder));
  } finally {
    calls.push(...verify.mock.calls.map(() => 'verify'), ...hash.mock.calls.map(() => 'hash'));
    verify.mockRestore();
    hash.mockRestore();
  }
  return { statements: statements.sort(), argon2: calls };
}

const login = (db: TenantDb, email: string, password: string, ip = freshIp()) =>
  authenticatePassword(db, loginKeysFor(bed.platform.config, tenant.id), { email, password, ip });

describe('sign-in', () => {
  it('does the same statements and argon2 work for a wrong password and an unknown email', async () => {
    await login(tenant.db, 'warm-up@example.test', 'the decoy hash is made once'); // the decoy hash, made once per process
    const known = await recordWork((db) => login(db, 'known@example.test', 'wrong password'));
    const unknown = await recordWork((db) => login(db, 'unknown@example.test', 'wrong password'));
    expect(known.argon2).toEqual(['verify']);
    expect(known.statements.length).toBe(4);
    expect(unknown).toEqual(known);
  });

  it('does the same statements for a throttled known and unknown email', async () => {
    const run = async (email: string) => {
      const ip = freshIp();
      for (let i = 0; i < THROTTLE.maxFailuresPerAccountAndIp; i++) await login(tenant.db, email, 'wrong', ip);
      return recordWork((db) => login(db, email, 'wrong', ip));
    };
    const known = await run('known@example.test');
    const unknown = await run('also-unknown@example.test');
    expect(known.argon2).toEqual([]);
    expect(unknown).toEqual(known);
  });
});

describe('signup', () => {
  it('does the same statements and argon2 work for a new and a taken email', async () => {
    const signup = (db: TenantDb, email: string) =>
      signUp({ ...tenant, db }, { email, password: 'some password 1', loginKeys: loginKeysFor(bed.platform.config, tenant.id), mail }, signupActor(freshIp()));
    const fresh = await recordWork((db) => signup(db, 'brand-new@example.test'));
    const taken = await recordWork((db) => signup(db, 'known@example.test'));
    expect(fresh.argon2).toEqual(['hash']);
    // The verification link and its mail: stored for the new account, the same statements storing nothing for the taken address
    // (the mail's branding read from the settings when no page context holds it, for both alike).
    expect(fresh.statements.length).toBe(10);
    expect(taken).toEqual(fresh);
    expect(await mailsTo('brand-new@example.test')).toBe(1);
    expect(await mailsTo('known@example.test')).toBe(0);
  });
});

describe('mailed links', () => {
  it('a password reset does the same statements for a known and an unknown address, and mails only the known one', async () => {
    const reset = (db: TenantDb, email: string) =>
      requestPasswordReset({ ...tenant, db }, { email, loginKeys: loginKeysFor(bed.platform.config, tenant.id), mail }, { type: 'anonymous', id: 'test', ip: freshIp() });
    const known = await recordWork((db) => reset(db, 'known@example.test'));
    const unknown = await recordWork((db) => reset(db, 'nobody-here@example.test'));
    expect(known.argon2).toEqual([]);
    expect(unknown).toEqual(known);
    expect(await mailsTo('known@example.test')).toBe(1);
    expect(await mailsTo('nobody-here@example.test')).toBe(0);
  });

  it('a new verification link does the same statements for an unconfirmed, a confirmed and an unknown address', async () => {
    await createUser(tenant, { email: 'unconfirmed@example.test', password: 'unconfirmed pw 1' }, TEST_ACTOR);
    await createUser(tenant, { email: 'confirmed@example.test', password: 'confirmed pw 12', emailVerified: true }, TEST_ACTOR);
    const resend = (db: TenantDb, email: string) =>
      requestVerificationMail({ ...tenant, db }, { email, loginKeys: loginKeysFor(bed.platform.config, tenant.id), mail }, { type: 'anonymous', id: 'test', ip: freshIp() });
    const unconfirmed = await recordWork((db) => resend(db, 'unconfirmed@example.test'));
    const confirmed = await recordWork((db) => resend(db, 'confirmed@example.test'));
    const unknown = await recordWork((db) => resend(db, 'nobody-either@example.test'));
    expect(confirmed).toEqual(unconfirmed);
    expect(unknown).toEqual(unconfirmed);
    expect(await mailsTo('unconfirmed@example.test')).toBe(1);
    expect(await mailsTo('confirmed@example.test')).toBe(0);
  });
});
