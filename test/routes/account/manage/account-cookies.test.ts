import { describe, expect, it } from 'vitest';
import { testConfig } from '../../../support/platform.ts';
import {
  ACCOUNT_SESSION_LIMITS,
  openAccountSession,
  openPendingSignIn,
  sealAccountSession,
  sealPendingSignIn,
  SIGN_IN_SECONDS,
  type AccountCookieContext,
} from '../../../../src/routes/account/manage/account-cookies.ts';

const config = testConfig();
const acme: AccountCookieContext = { config, tenantId: 'acme', tenantPath: '/t/acme' };
const globex: AccountCookieContext = { config, tenantId: 'globex', tenantPath: '/t/globex' };
const START = 1_800_000_000;
const session = { userId: '7c9e6679-7425-40de-944b-e07fc1f90ae7', sessionId: 'uid-1', startedAt: START, seenAt: START };

describe('the account session cookie', () => {
  it('opens at its own tenant, within its idle and absolute lifetimes', () => {
    const sealed = sealAccountSession(acme, session);
    expect(sealed).not.toContain(session.userId);
    expect(openAccountSession(acme, sealed, START + 60)).toEqual(session);
    expect(openAccountSession(acme, sealed, START + ACCOUNT_SESSION_LIMITS.idleSeconds + 1)).toBeUndefined();
    const busy = sealAccountSession(acme, { ...session, seenAt: START + ACCOUNT_SESSION_LIMITS.absoluteSeconds });
    expect(openAccountSession(acme, busy, START + ACCOUNT_SESSION_LIMITS.absoluteSeconds)).toBeDefined();
    expect(openAccountSession(acme, busy, START + ACCOUNT_SESSION_LIMITS.absoluteSeconds + 1)).toBeUndefined();
  });

  it("is nothing at another tenant, altered, or under another master key", () => {
    const sealed = sealAccountSession(acme, session);
    expect(openAccountSession(globex, sealed, START)).toBeUndefined();
    const [version, iv, tag, body] = sealed.split('.');
    const flipped = `${body!.slice(0, -2)}${body!.endsWith('AA') ? 'AB' : 'AA'}`;
    expect(openAccountSession(acme, [version, iv, tag, flipped].join('.'), START)).toBeUndefined();
    expect(openAccountSession({ ...acme, config: testConfig() }, sealed, START)).toBeUndefined();
    expect(openAccountSession(acme, 'not a sealed value', START)).toBeUndefined();
  });

  it('is not a sign-in in progress, nor the other way round; a sign-in in progress lapses after ten minutes', () => {
    const pending = { state: 's', nonce: 'n', verifier: 'v', section: 'profile', createdAt: START };
    const sealedPending = sealPendingSignIn(acme, pending);
    expect(openPendingSignIn(acme, sealedPending, START + SIGN_IN_SECONDS)).toEqual(pending);
    expect(openPendingSignIn(acme, sealedPending, START + SIGN_IN_SECONDS + 1)).toBeUndefined();
    expect(openPendingSignIn(globex, sealedPending, START)).toBeUndefined();
    expect(openAccountSession(acme, sealedPending, START)).toBeUndefined();
    expect(openPendingSignIn(acme, sealAccountSession(acme, session), START)).toBeUndefined();
  });
});
