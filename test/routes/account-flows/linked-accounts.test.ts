import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formsOf, TestBrowser } from '../../support/browser.ts';
import { BROWSER_ACCEPT, startAccountFlowBed, type AccountFlowBed, type FlowTenant } from '../../support/account-flows.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { createUser } from '../../../src/modules/users/users.service.ts';
import { createConnection } from '../../../src/modules/connections/connections.service.ts';
import { insertIdentity } from '../../../src/modules/connections/identities.repository.ts';

/**
 * The account page's linked accounts (routes/account/manage/identities-section.ts) over real
 * HTTP: a browser signs in through the tenant's login page, sees the accounts linked to it, and
 * unlinks one; the last way in of an account without a password stays.
 */
const PASSWORD = 'linked accounts password';

let bed: AccountFlowBed;
let tenant: FlowTenant;
const ids: Record<string, string> = {};

beforeAll(async () => {
  bed = await startAccountFlowBed();
  tenant = await bed.tenant('acct-links');
  const one = await createConnection(tenant, { name: 'corp', type: 'oidc', displayName: 'Corp SSO', issuer: 'https://sso.corp.invalid', clientId: 'c', clientSecret: 's' }, TEST_ACTOR);
  const two = await createConnection(tenant, { name: 'partner', type: 'oidc', displayName: 'Partner ID', issuer: 'https://id.partner.invalid', clientId: 'c', clientSecret: 's' }, TEST_ACTOR);
  for (const email of ['lin@links.test', 'pia@links.test']) {
    const { user } = await createUser(tenant, { email, password: PASSWORD, emailVerified: true }, TEST_ACTOR);
    ids[email] = user.id;
  }
  ids.linCorp = (await insertIdentity(tenant.db, { providerId: one.id, subject: 'corp-lin', userId: ids['lin@links.test']!, email: 'lin@corp.example' }))!.id;
  ids.linPartner = (await insertIdentity(tenant.db, { providerId: two.id, subject: 'partner-lin-77', userId: ids['lin@links.test']!, email: null }))!.id;
  ids.piaCorp = (await insertIdentity(tenant.db, { providerId: one.id, subject: 'corp-pia', userId: ids['pia@links.test']!, email: 'pia@corp.example' }))!.id;
}, 120_000);
afterAll(async () => {
  await bed?.close();
});

const section = () => `${tenant.issuer}/account/linked-accounts`;

async function go(browser: TestBrowser, url: string, form?: Record<string, string>) {
  let next: { url: string; form?: Record<string, string> } = { url, form };
  for (let hop = 0; hop < 20; hop++) {
    const response = await browser.request(next.url, { ...(next.form ? { form: next.form } : {}), headers: BROWSER_ACCEPT });
    if (response.status >= 300 && response.status < 400) {
      await response.arrayBuffer();
      next = { url: new URL(response.headers.get('location')!, next.url).href };
      continue;
    }
    return { url: next.url, status: response.status, html: (await response.text()).replaceAll('&#64;', '@') };
  }
  throw new Error('too many redirects');
}

async function signedIn(email: string) {
  const browser = new TestBrowser();
  const login = await go(browser, section());
  const form = formsOf(login.html, login.url)[0]!;
  const stop = await go(browser, form.action, { ...form.fields, email, password: PASSWORD });
  expect(stop.url).toBe(section());
  return { browser, stop };
}

const unlinkForm = (html: string, url: string, identity: string) => formsOf(html, url).find((form) => form.fields.identity === identity)!;
const identitiesOf = (userId: string) => tenant.db.selectFrom('user_identities').select('id').where('user_id', '=', userId).execute();

describe('the linked accounts section', () => {
  it('lists the linked accounts and unlinks one (CSRF checked, audited); another user’s is not reachable', async () => {
    const { browser, stop } = await signedIn('lin@links.test');
    expect(stop.status).toBe(200);
    expect(stop.html).toContain('Corp SSO');
    expect(stop.html).toContain('lin@corp.example');
    expect(stop.html).toContain('Partner ID');
    expect(stop.html).toContain('partner-lin-77');
    expect(stop.html).toContain('Linked ');

    const form = unlinkForm(stop.html, stop.url, ids.linPartner!);
    const forged = await browser.request(form.action, { form: { ...form.fields, csrf: 'not-the-token' }, headers: BROWSER_ACCEPT });
    expect(forged.status).toBe(403);
    expect(await identitiesOf(ids['lin@links.test']!)).toHaveLength(2);

    // Pia's identity id through Lin's form: not Lin's, so nothing happens to it.
    const foreign = await go(browser, form.action, { ...form.fields, identity: ids.piaCorp! });
    expect(foreign.status).toBe(404);
    expect(await identitiesOf(ids['pia@links.test']!)).toHaveLength(1);

    const done = await go(browser, form.action, form.fields);
    expect(done.status).toBe(200);
    expect(done.html).toContain('The account is unlinked.');
    expect(done.html).not.toContain('Partner ID');
    expect(await identitiesOf(ids['lin@links.test']!)).toEqual([{ id: ids.linCorp }]);
    const audit = await tenant.db.selectFrom('audit_events').select(['actor', 'details']).where('action', '=', 'identity.unlinked').execute();
    expect(audit).toEqual([{ actor: `user:${ids['lin@links.test']}`, details: expect.objectContaining({ connection: 'partner', subject: 'partner-lin-77' }) }]);
  });

  it('refuses to unlink the last way to sign in of an account without a password (409)', async () => {
    const { browser, stop } = await signedIn('pia@links.test');
    // Her password goes (as for an account made by a provider): the linked account is her only way in.
    await tenant.db.updateTable('users').set({ password_hash: null }).where('id', '=', ids['pia@links.test']!).execute();
    const form = unlinkForm(stop.html, stop.url, ids.piaCorp!);
    const refused = await go(browser, form.action, form.fields);
    expect(refused.status).toBe(409);
    expect(refused.html).toContain('only way to sign in');
    expect(await identitiesOf(ids['pia@links.test']!)).toEqual([{ id: ids.piaCorp }]);
  });
});
