import { describe, expect, it } from 'vitest';
import { appleName, checkMicrosoftIssuer, githubProfile, mapClaims, microsoftProfile } from '../../../src/modules/connections/upstream-profile.ts';
import { DEFAULT_CLAIM_MAPPING } from '../../../src/modules/connections/connection-types.ts';
import { UpstreamRefused } from '../../../src/modules/connections/upstream-refusal.ts';

/** What each provider's answer becomes (upstream-profile.ts). */

describe('claim mapping (OAuth 2.0 user endpoints)', () => {
  it('reads renamed and nested fields, a numeric id as text, and trusts an address only as far as told', () => {
    const mapping = { ...DEFAULT_CLAIM_MAPPING, subject: 'id', email: 'contact.mail', email_verified: 'contact.confirmed', name: 'display' };
    const claims = { id: 4711, display: 'Ada', contact: { mail: 'ada@example.test', confirmed: true } };
    expect(mapClaims(claims, mapping, false)).toEqual({ subject: '4711', email: 'ada@example.test', emailVerified: true, name: 'Ada', givenName: null, familyName: null });
    const unconfirmed = { ...claims, contact: { mail: 'ada@example.test' } };
    expect(mapClaims(unconfirmed, mapping, false).emailVerified).toBe(false);
    expect(mapClaims(unconfirmed, mapping, true).emailVerified).toBe(true);
  });

  it('refuses an answer without the subject', () => {
    expect(() => mapClaims({ email: 'x@example.test' }, DEFAULT_CLAIM_MAPPING, false)).toThrow(UpstreamRefused);
  });
});

describe('presets', () => {
  it('GitHub: the primary address only if verified, never the profile’s public one', () => {
    const user = { id: 42, login: 'octo', name: null, email: 'public@example.test' };
    expect(githubProfile(user, [
      { email: 'old@example.test', primary: false, verified: true },
      { email: 'octo@example.test', primary: true, verified: true },
    ])).toMatchObject({ subject: '42', email: 'octo@example.test', emailVerified: true, name: 'octo' });
    expect(githubProfile(user, [{ email: 'octo@example.test', primary: true, verified: false }])).toMatchObject({ email: null, emailVerified: false });
    expect(githubProfile(user, { message: 'Bad credentials' })).toMatchObject({ email: null });
  });

  it('Microsoft: a many-tenant ID token must name its own directory as issuer; an address counts as confirmed only with xms_edov', () => {
    const tid = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    const own = { iss: `https://login.microsoftonline.com/${tid}/v2.0`, tid, sub: 's', email: 'a@contoso.test' };
    expect(() => checkMicrosoftIssuer(own, 'common')).not.toThrow();
    expect(() => checkMicrosoftIssuer({ ...own, tid: '11111111-2222-3333-4444-555555555555' }, 'organizations')).toThrow(UpstreamRefused);
    expect(() => checkMicrosoftIssuer({ ...own, tid: undefined }, 'common')).toThrow(UpstreamRefused);
    // One directory: openid-client compares iss with the configured issuer exactly.
    expect(() => checkMicrosoftIssuer({ ...own, tid: 'other' }, tid)).not.toThrow();
    expect(microsoftProfile(own).emailVerified).toBe(false);
    expect(microsoftProfile({ ...own, xms_edov: true }).emailVerified).toBe(true);
  });

  it('Apple: the name from the first sign-in’s user field, nothing from a broken one', () => {
    expect(appleName(JSON.stringify({ name: { firstName: 'Ada', lastName: 'Lovelace' }, email: 'x@privaterelay.appleid.com' }))).toEqual({
      givenName: 'Ada',
      familyName: 'Lovelace',
      name: 'Ada Lovelace',
    });
    expect(appleName('{not json')).toEqual({ name: null, givenName: null, familyName: null });
    expect(appleName(null)).toEqual({ name: null, givenName: null, familyName: null });
  });
});
