import argon2 from 'argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticatePassword, type AuthenticationResult } from '../../../src/modules/users/authenticate.ts';
import { THROTTLE } from '../../../src/modules/users/login-throttle.ts';
import { loginKeysFor } from '../../../src/modules/users/login-keys.ts';
import { createUser, listUsers } from '../../../src/modules/users/users.service.ts';
import { verifyPassword } from '../../../src/crypto/passwords.ts';
import { shiftAttemptsBack, slowAccountDown, startUsersTestBed, type UsersTestBed } from '../../support/users.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import type { TenantScope } from '../../../src/platform/tenant-scope.ts';
import { allPages } from '../../../src/db/page.ts';

let bed: UsersTestBed;
let acme: TenantScope;
let globex: TenantScope;

beforeAll(async () => {
  bed = await startUsersTestBed();
  [acme, globex] = await Promise.all([bed.tenant('acme'), bed.tenant('globex')]);
});
afterAll(async () => {
  await bed?.close();
});

let nextIp = 1;
/** Each test signs in from its own address, so the per-IP limit of one test never touches another. */
const freshIp = () => `192.0.2.${nextIp++}`;

const login = (tenant: TenantScope, email: string, password: string, ip: string, deviceCookie?: string) =>
  authenticatePassword(tenant.db, loginKeysFor(bed.platform.config, tenant.id), { email, password, ip, deviceCookie });

const shiftBack = shiftAttemptsBack;

function reasons(results: AuthenticationResult[]): string[] {
  return results.map((r) => (r.ok ? 'ok' : r.reason));
}

describe('password storage', () => {
  it('stores argon2id hashes (OWASP parameters) and never the password', async () => {
    const { user } = await createUser(acme, { email: 'Store@Example.test', password: 'correct horse battery' }, TEST_ACTOR);
    const row = await acme.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.email).toBe('store@example.test');
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(row.password_hash).not.toContain('correct horse');
  });

  it('rehashes on a successful login when the stored hash has weaker parameters', async () => {
    const { user } = await createUser(acme, { email: 'old-hash@example.test', password: 'an old password 1' }, TEST_ACTOR);
    const weak = await argon2.hash('an old password 1', { type: argon2.argon2id, memoryCost: 8192, timeCost: 1, parallelism: 1 });
    await acme.db.updateTable('users').set({ password_hash: weak }).where('id', '=', user.id).execute();

    const result = await login(acme, 'old-hash@example.test', 'an old password 1', freshIp());
    expect(result.ok).toBe(true);
    const row = await acme.db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.password_hash).not.toBe(weak);
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await verifyPassword(row.password_hash!, 'an old password 1')).toBe(true);
  });

  it('rejects weak passwords, bad emails and taken emails with stable codes', async () => {
    await expect(createUser(acme, { email: 'short@example.test', password: 'short' }, TEST_ACTOR)).rejects.toMatchObject({ code: 'weak_password' });
    await expect(createUser(acme, { email: 'not-an-email', password: 'long enough password' }, TEST_ACTOR)).rejects.toMatchObject({ code: 'invalid_email' });
    await expect(createUser(acme, { email: 'x@example.test', password: 'x@example.test' }, TEST_ACTOR)).rejects.toMatchObject({ code: 'weak_password' });
    await expect(createUser(acme, { email: 'STORE@example.test', password: 'long enough password' }, TEST_ACTOR)).rejects.toMatchObject({
      code: 'user_exists',
      status: 409,
    });
    await expect(createUser(acme, { email: 'r@example.test', roles: ['bad role!'] }, TEST_ACTOR)).rejects.toMatchObject({ code: 'invalid_role' });
  });
});

describe('brute-force protection', () => {
  it('refuses an IP after repeated failures for one account, while the owner signs in from elsewhere', async () => {
    await createUser(acme, { email: 'victim@example.test', password: 'victim password 1' }, TEST_ACTOR);
    const attacker = freshIp();
    const failures: AuthenticationResult[] = [];
    for (let i = 0; i < THROTTLE.maxFailuresPerAccountAndIp; i++) failures.push(await login(acme, 'victim@example.test', `wrong ${i}`, attacker));
    expect(reasons(failures)).toEqual(Array(THROTTLE.maxFailuresPerAccountAndIp).fill('invalid_credentials'));

    // The attacker's address is refused for this account, even with the right password...
    const refused = await login(acme, 'victim@example.test', 'victim password 1', attacker);
    expect(refused).toMatchObject({ ok: false, reason: 'throttled' });
    const retry = (refused as { retryAfterSeconds: number }).retryAfterSeconds;
    expect(retry).toBeGreaterThan(THROTTLE.windowSeconds - 60);
    expect(retry).toBeLessThanOrEqual(THROTTLE.windowSeconds);
    // ...but the owner, elsewhere, is not locked out.
    expect((await login(acme, 'victim@example.test', 'victim password 1', freshIp())).ok).toBe(true);
  });

  it('slows sign-ins to an account failed at from many IPs, with a growing, bounded delay, but never locks it', async () => {
    await createUser(acme, { email: 'botnet@example.test', password: 'botnet password 1' }, TEST_ACTOR);
    const { freeFailures, baseSeconds, maxSeconds } = THROTTLE.slowdown;
    for (let i = 0; i < freeFailures; i++) expect(await login(acme, 'botnet@example.test', `guess ${i}`, freshIp())).toMatchObject({ reason: 'invalid_credentials' });

    const delays: number[] = [];
    for (let extra = 0; extra < 10; extra++) {
      const expected = Math.min(maxSeconds, baseSeconds * 2 ** extra);
      // A delay of a second or two can be over before a busy machine makes the next attempt;
      // from 8 s on the attempt right after the failure is inside it on any machine.
      if (expected >= 8) {
        const slowed = await login(acme, 'botnet@example.test', 'botnet password 1', freshIp());
        expect(slowed).toMatchObject({ ok: false, reason: 'throttled' });
        const retry = (slowed as { retryAfterSeconds: number }).retryAfterSeconds;
        expect(retry).toBeLessThanOrEqual(expected);
        expect(retry).toBeGreaterThanOrEqual(Math.max(1, expected - 10));
      }
      delays.push(expected);
      await shiftBack(acme.db, expected + 1);
      expect(await login(acme, 'botnet@example.test', `late guess ${extra}`, freshIp())).toMatchObject({ reason: 'invalid_credentials' });
    }
    expect(delays.at(-1)).toBe(maxSeconds);
    expect((await allPages((page) => listUsers(acme, page))).find((u) => u.email === 'botnet@example.test')!.lockedUntil).not.toBeNull();

    // Once the delay has passed, the right password works: the account was never locked.
    await shiftBack(acme.db, maxSeconds + 1);
    expect((await login(acme, 'botnet@example.test', 'botnet password 1', freshIp())).ok).toBe(true);
    expect((await allPages((page) => listUsers(acme, page))).find((u) => u.email === 'botnet@example.test')!.lockedUntil).toBeNull();
  });

  it('counts an IPv6 /64 as one address, and an IPv4-mapped address as its IPv4 address', async () => {
    await createUser(acme, { email: 'v6@example.test', password: 'v6 password 123' }, TEST_ACTOR);
    for (let i = 1; i <= THROTTLE.maxFailuresPerAccountAndIp; i++) {
      expect(await login(acme, 'v6@example.test', 'wrong', `2001:db8:77:1:${i}::${i}`)).toMatchObject({ reason: 'invalid_credentials' });
    }
    expect(await login(acme, 'v6@example.test', 'v6 password 123', '2001:db8:77:1:ffff:1:2:3')).toMatchObject({ reason: 'throttled' });
    expect((await login(acme, 'v6@example.test', 'v6 password 123', '2001:db8:77:2::1')).ok).toBe(true);

    const ip = freshIp();
    for (let i = 0; i < THROTTLE.maxFailuresPerAccountAndIp; i++) await login(acme, 'v6@example.test', 'wrong', `::ffff:${ip}`);
    expect(await login(acme, 'v6@example.test', 'v6 password 123', ip)).toMatchObject({ reason: 'throttled' });
  });

  it('lets a browser that signed in before keep its own budget, untouched by strangers', async () => {
    await createUser(acme, { email: 'owner@example.test', password: 'owner password 1' }, TEST_ACTOR);
    const home = freshIp();
    const first = await login(acme, 'owner@example.test', 'owner password 1', home);
    const cookie = first.ok ? first.deviceCookie : '';
    expect(cookie).toMatch(/^v1\./);

    // Strangers: the owner's own address refused for the account, and the account slowed everywhere.
    for (let i = 0; i < THROTTLE.maxFailuresPerAccountAndIp; i++) await login(acme, 'owner@example.test', `stranger ${i}`, home);
    await slowAccountDown(acme.db, (i) => login(acme, 'owner@example.test', `botnet ${i}`, freshIp()));
    expect(await login(acme, 'owner@example.test', 'owner password 1', home)).toMatchObject({ reason: 'throttled' });
    expect(await login(acme, 'owner@example.test', 'owner password 1', freshIp())).toMatchObject({ reason: 'throttled' });

    // The owner's browser is not slowed, from home or elsewhere.
    expect((await login(acme, 'owner@example.test', 'owner password 1', home, cookie)).ok).toBe(true);
    expect((await login(acme, 'owner@example.test', 'owner password 1', freshIp(), cookie)).ok).toBe(true);

    // Its own failures count against it alone: its budget spent, it is refused, strangers or not.
    const device: AuthenticationResult[] = [];
    for (let i = 0; i <= THROTTLE.maxFailuresPerDevice; i++) device.push(await login(acme, 'owner@example.test', `typo ${i}`, freshIp(), cookie));
    expect(reasons(device)).toEqual([...Array(THROTTLE.maxFailuresPerDevice).fill('invalid_credentials'), 'throttled']);
    // And a cookie of one account is nothing for another.
    await createUser(acme, { email: 'neighbour@example.test', password: 'neighbour password' }, TEST_ACTOR);
    await slowAccountDown(acme.db, (i) => login(acme, 'neighbour@example.test', `botnet ${i}`, freshIp()));
    expect(await login(acme, 'neighbour@example.test', 'neighbour password', freshIp(), cookie)).toMatchObject({ reason: 'throttled' });
  });

  it('answers an unknown email exactly like a known email with a wrong password', async () => {
    await createUser(acme, { email: 'known@example.test', password: 'known password 1' }, TEST_ACTOR);
    const run = async (email: string) => {
      const ip = freshIp();
      const results: AuthenticationResult[] = [];
      for (let i = 0; i <= THROTTLE.maxFailuresPerAccountAndIp; i++) results.push(await login(acme, email, `guess ${i}`, ip));
      return results;
    };
    const known = await run('known@example.test');
    const unknown = await run('nobody@example.test');
    expect(reasons(unknown)).toEqual(reasons(known));
    expect(reasons(known).at(-1)).toBe('throttled');
    // Even the retry time is computed the same way for both.
    const retryOf = (r: AuthenticationResult) => (r as { retryAfterSeconds: number }).retryAfterSeconds;
    expect(Math.abs(retryOf(known.at(-1)!) - retryOf(unknown.at(-1)!))).toBeLessThanOrEqual(5);
  });

  it('counts parallel guesses before any of them is checked', async () => {
    await createUser(acme, { email: 'burst@example.test', password: 'burst password 1' }, TEST_ACTOR);
    const ip = freshIp();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => login(acme, 'burst@example.test', `parallel ${i}`, ip)));
    const checked = results.filter((r) => !r.ok && r.reason === 'invalid_credentials').length;
    expect(checked).toBeLessThanOrEqual(THROTTLE.maxFailuresPerAccountAndIp);
    expect(results.filter((r) => !r.ok && r.reason === 'throttled').length).toBeGreaterThanOrEqual(12 - THROTTLE.maxFailuresPerAccountAndIp);
  });

  it('refuses an IP after repeated failures across many emails, while other IPs still sign in', async () => {
    await createUser(acme, { email: 'bystander@example.test', password: 'bystander password' }, TEST_ACTOR);
    const attacker = freshIp();
    const sprayed = await Promise.all(
      Array.from({ length: THROTTLE.maxFailuresPerIp }, (_, i) => login(acme, `spray-${i}@example.test`, 'Winter2026!', attacker)),
    );
    expect(new Set(reasons(sprayed))).toEqual(new Set(['invalid_credentials']));

    expect(await login(acme, 'bystander@example.test', 'bystander password', attacker)).toMatchObject({ ok: false, reason: 'throttled' });
    expect((await login(acme, 'bystander@example.test', 'bystander password', freshIp())).ok).toBe(true);
  });

  it('starts the count afresh after a successful sign-in', async () => {
    await createUser(acme, { email: 'typo@example.test', password: 'typo password 12' }, TEST_ACTOR);
    const ip = freshIp();
    const below = THROTTLE.maxFailuresPerAccountAndIp - 1;
    for (let i = 0; i < below; i++) expect((await login(acme, 'typo@example.test', 'typo', ip)).ok).toBe(false);
    expect((await login(acme, 'typo@example.test', 'typo password 12', ip)).ok).toBe(true);
    for (let i = 0; i < below; i++) expect(await login(acme, 'typo@example.test', 'typo', ip)).toMatchObject({ reason: 'invalid_credentials' });
    expect((await login(acme, 'typo@example.test', 'typo password 12', ip)).ok).toBe(true);
  });

  it('refuses disabled accounts like wrong passwords', async () => {
    const { user } = await createUser(acme, { email: 'gone@example.test', password: 'gone password 12' }, TEST_ACTOR);
    await acme.db.updateTable('users').set({ status: 'disabled' }).where('id', '=', user.id).execute();
    expect(await login(acme, 'gone@example.test', 'gone password 12', freshIp())).toEqual({ ok: false, reason: 'invalid_credentials' });
  });
});

describe('tenant isolation', () => {
  it('keeps the same email at two tenants as two unrelated accounts', async () => {
    const a = await createUser(acme, { email: 'twin@example.test', password: 'password at acme' }, TEST_ACTOR);
    const b = await createUser(globex, { email: 'twin@example.test', password: 'password at globex' }, TEST_ACTOR);
    expect(a.user.id).not.toBe(b.user.id);

    const atAcme = await login(acme, 'twin@example.test', 'password at acme', freshIp());
    expect(atAcme.ok && atAcme.user.id).toBe(a.user.id);
    expect(await login(globex, 'twin@example.test', 'password at acme', freshIp())).toEqual({ ok: false, reason: 'invalid_credentials' });
    const atGlobex = await login(globex, 'twin@example.test', 'password at globex', freshIp());
    expect(atGlobex.ok && atGlobex.user.id).toBe(b.user.id);
  });

  it('makes a device cookie of one tenant useless at another', async () => {
    await createUser(acme, { email: 'device-twin@example.test', password: 'same password 12' }, TEST_ACTOR);
    await createUser(globex, { email: 'device-twin@example.test', password: 'same password 12' }, TEST_ACTOR);
    const atAcme = await login(acme, 'device-twin@example.test', 'same password 12', freshIp());
    const atGlobex = await login(globex, 'device-twin@example.test', 'same password 12', freshIp());
    const acmeCookie = atAcme.ok ? atAcme.deviceCookie : '';
    const globexCookie = atGlobex.ok ? atGlobex.deviceCookie : '';
    await slowAccountDown(globex.db, (i) => login(globex, 'device-twin@example.test', `botnet ${i}`, freshIp()));

    expect(await login(globex, 'device-twin@example.test', 'same password 12', freshIp(), acmeCookie)).toMatchObject({ reason: 'throttled' });
    expect((await login(globex, 'device-twin@example.test', 'same password 12', freshIp(), globexCookie)).ok).toBe(true);
  });

  it('does not let a user of one tenant sign in at another', async () => {
    await createUser(acme, { email: 'only-acme@example.test', password: 'only at acme 123' }, TEST_ACTOR);
    expect(await login(globex, 'only-acme@example.test', 'only at acme 123', freshIp())).toEqual({ ok: false, reason: 'invalid_credentials' });
  });
});
