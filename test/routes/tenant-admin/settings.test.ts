import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { uniqueTenantId } from '../../support/platform.ts';
import { pollUntil } from '../../support/eventually.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../../support/oidc.ts';
import { adminToken, callAdmin, machineClient, type MachineClient } from '../../support/admin-api.ts';
import { insertClient } from '../../../src/modules/clients/clients.repository.ts';
import { generateClientSecret, hashClientSecret } from '../../../src/modules/clients/client-secret.ts';

/**
 * `…/settings` (settings:read, settings:write): signup policy, token lifetimes within bounds and
 * history retention; a change of lifetimes reaches the tenant's provider, so the next token
 * issued carries it.
 */
let bed: OidcTestBed;
let acme: TestTenant;
let globex: TestTenant;
let acmeOps: MachineClient;
let reader: string;
let writer: string;
let globexToken: string;

const DEFAULTS = {
  signup: 'disabled',
  verified_email_required: false,
  verified_email_required_is_default: true,
  magic_links: false,
  token_lifetimes: { access_token: 3600, id_token: 3600, refresh_token: 1_209_600, session: 1_209_600 },
  retention_days: { audit_events: 365, login_activity: 90 },
  mfa: { policy: 'optional', required_for_tenant_admins: false, remember_browser_days: 0 },
  rate_limits: { token: null, token_per_client: null, authorization: null, authorization_per_client: null, api: null, clients: {} },
};

beforeAll(async () => {
  bed = await startOidcTestBed();
  [acme, globex] = await Promise.all([createTestTenant(bed, uniqueTenantId('set-acme')), createTestTenant(bed, uniqueTenantId('set-globex'))]);
  acmeOps = await machineClient(acme, 'settings ops', true);
  const globexOps = await machineClient(globex, 'globex ops', true);
  [reader, writer, globexToken] = await Promise.all([
    adminToken(acme, acmeOps, 'settings:read'),
    adminToken(acme, acmeOps, 'settings:read settings:write audit:read'),
    adminToken(globex, globexOps, 'settings:read settings:write'),
  ]);
});
afterAll(async () => {
  await bed?.close();
});

const patch = (body: unknown, headers: Record<string, string> = {}, token = writer) => callAdmin(acme, '/settings', token, { method: 'PATCH', body, headers });

async function lastSettingsEvent() {
  const { body } = await callAdmin(acme, '/audit-events?action=settings.updated&limit=1', writer);
  return (body.items as Array<Record<string, unknown>>)[0];
}

describe('GET and PATCH /settings', () => {
  it('reads the defaults with an ETag', async () => {
    const answer = await callAdmin(acme, '/settings', reader);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(DEFAULTS);
    expect(answer.headers.get('etag')).toMatch(/^"[\w-]+"$/);
  });

  it('changes only the fields given, answers the new settings with their ETag, and audits before and after', async () => {
    const before = await callAdmin(acme, '/settings', reader);
    const answer = await patch({ signup: 'invite', retention_days: { login_activity: 30 } }, { 'if-match': before.headers.get('etag')! });
    expect(answer.status).toBe(200);
    const expected = { ...DEFAULTS, signup: 'invite', retention_days: { audit_events: 365, login_activity: 30 } };
    expect(answer.body).toEqual(expected);
    const read = await callAdmin(acme, '/settings', reader);
    expect(read.body).toEqual(expected);
    expect(read.headers.get('etag')).toBe(answer.headers.get('etag'));
    expect(read.headers.get('etag')).not.toBe(before.headers.get('etag'));

    expect(await lastSettingsEvent()).toMatchObject({
      actor: `client:${acmeOps.clientId}`,
      target: 'settings',
      ip: '127.0.0.1',
      details: { before: { signup: 'disabled', retention_days: { login_activity: 90 } }, after: { signup: 'invite', retention_days: { login_activity: 30 } } },
    });
  });

  it('sets whether sign-in needs a confirmed address, and null gives it back to the signup mode', async () => {
    expect((await patch({ verified_email_required: true })).body).toMatchObject({ verified_email_required: true, verified_email_required_is_default: false });
    expect(await lastSettingsEvent()).toMatchObject({
      details: { before: { verified_email_required: false, verified_email_required_is_default: true }, after: { verified_email_required: true, verified_email_required_is_default: false } },
    });
    expect((await patch({ verified_email_required: null })).body).toMatchObject({ verified_email_required: false, verified_email_required_is_default: true });
    expect((await patch({ verified_email_required: 'yes' })).body.error).toBe('invalid_request');
  });

  it('turns sign-in links by mail on and off, audited', async () => {
    expect((await patch({ magic_links: true })).body).toMatchObject({ magic_links: true });
    expect(await lastSettingsEvent()).toMatchObject({ details: { before: { magic_links: false }, after: { magic_links: true } } });
    expect((await callAdmin(acme, '/settings', reader)).body.magic_links).toBe(true);
    expect((await patch({ magic_links: false })).body).toMatchObject({ magic_links: false });
    expect((await patch({ magic_links: 'yes' })).body.error).toBe('invalid_request');
  });

  it('refuses a change under a stale ETag with 412, changing nothing', async () => {
    const stale = (await callAdmin(acme, '/settings', reader)).headers.get('etag')!;
    expect((await patch({ signup: 'open' })).status).toBe(200);
    const refused = await patch({ signup: 'disabled' }, { 'if-match': stale });
    expect(refused.status).toBe(412);
    expect(refused.body.error).toBe('precondition_failed');
    expect((await callAdmin(acme, '/settings', reader)).body.signup).toBe('open');
  });

  it('takes the bounds themselves, and refuses a value past one with a code naming the field', async () => {
    const edges = { access_token: 300, id_token: 86_400, refresh_token: 3600, session: 90 * 86_400 };
    expect((await patch({ token_lifetimes: edges, retention_days: { audit_events: 30 } })).body).toMatchObject({ token_lifetimes: edges, retention_days: { audit_events: 30 } });
    const current = (await callAdmin(acme, '/settings', reader)).body;

    for (const [body, code, field] of [
      [{ token_lifetimes: { access_token: 299 } }, 'invalid_access_token_lifetime', 'token_lifetimes.access_token'],
      [{ token_lifetimes: { access_token: 86_401 } }, 'invalid_access_token_lifetime', 'token_lifetimes.access_token'],
      [{ token_lifetimes: { id_token: 299 } }, 'invalid_id_token_lifetime', 'token_lifetimes.id_token'],
      [{ token_lifetimes: { refresh_token: 3599 } }, 'invalid_refresh_token_lifetime', 'token_lifetimes.refresh_token'],
      [{ token_lifetimes: { refresh_token: 90 * 86_400 + 1 } }, 'invalid_refresh_token_lifetime', 'token_lifetimes.refresh_token'],
      [{ token_lifetimes: { session: 0 } }, 'invalid_session_lifetime', 'token_lifetimes.session'],
      [{ retention_days: { audit_events: 29 } }, 'invalid_audit_events_retention', 'retention_days.audit_events'],
      [{ retention_days: { login_activity: 366 } }, 'invalid_login_activity_retention', 'retention_days.login_activity'],
      // One bad field refuses the whole change.
      [{ signup: 'invite', retention_days: { login_activity: 0 } }, 'invalid_login_activity_retention', 'retention_days.login_activity'],
    ] as const) {
      const answer = await patch(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error).toBe(code);
      expect(answer.body.error_description).toMatch(new RegExp(`^${field.replace('.', '\\.')} must be a whole number of (seconds|days) from \\d+ to \\d+`));
    }
    expect((await patch({ token_lifetimes: { access_token: 299 } })).body.error_description).toBe(
      'token_lifetimes.access_token must be a whole number of seconds from 300 to 86400 (5 min to 1 day)',
    );
    expect((await callAdmin(acme, '/settings', reader)).body).toEqual(current);
  });

  it('sets the second-factor policy, audited field by field, and refuses remembered browsers past 90 days', async () => {
    const answer = await patch({ mfa: { policy: 'required', remember_browser_days: 90 } });
    expect(answer.body.mfa).toEqual({ policy: 'required', required_for_tenant_admins: false, remember_browser_days: 90 });
    expect(await lastSettingsEvent()).toMatchObject({
      details: { before: { mfa: { policy: 'optional', remember_browser_days: 0 } }, after: { mfa: { policy: 'required', remember_browser_days: 90 } } },
    });
    expect((await patch({ mfa: { required_for_tenant_admins: true } })).body.mfa).toEqual({ policy: 'required', required_for_tenant_admins: true, remember_browser_days: 90 });
    const refused = await patch({ mfa: { remember_browser_days: 91 } });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ error: 'invalid_remember_browser_days', error_description: 'mfa.remember_browser_days must be a whole number of days from 0 to 90 (0: off)' });
    expect((await patch({ mfa: { policy: 'optional', required_for_tenant_admins: false, remember_browser_days: 0 } })).body.mfa).toEqual(DEFAULTS.mfa);
  });

  it('refuses input of the wrong shape with invalid_request', async () => {
    for (const [body, description] of [
      [{}, 'body must not have fewer than 1 properties'],
      [{ signup: 'everyone' }, 'body.signup must be one of "open", "invite", "disabled"'],
      [{ token_lifetimes: { access_token: 600.5 } }, 'body.token_lifetimes.access_token must be integer'],
      [{ token_lifetimes: { access_token: '600' } }, 'body.token_lifetimes.access_token must be integer'],
      [{ token_lifetimes: { authorization_code: 60 } }, 'body.token_lifetimes.authorization_code is not a known field'],
      [{ mfa: true }, 'body.mfa must be object'],
      [{ mfa: { policy: 'sometimes' } }, 'body.mfa.policy must be one of "off", "optional", "required"'],
    ] as const) {
      const answer = await patch(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body).toEqual({ error: 'invalid_request', error_description: description });
    }
  });

  it('needs settings:read to read and settings:write to change', async () => {
    const keysOnly = await adminToken(acme, acmeOps, 'keys:read keys:write');
    const read = await callAdmin(acme, '/settings', keysOnly);
    expect(read.status).toBe(403);
    expect(read.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="settings:read"');
    const change = await patch({ signup: 'disabled' }, {}, reader);
    expect(change.status).toBe(403);
    expect(change.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="settings:write"');
  });

  it("refuses a tenant's token at another tenant and keeps each tenant's settings its own", async () => {
    expect((await callAdmin(globex, '/settings', writer)).status).toBe(401);
    const refused = await callAdmin(globex, '/settings', writer, { method: 'PATCH', body: { signup: 'open' } });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_token');
    expect((await callAdmin(globex, '/settings', globexToken)).body).toEqual(DEFAULTS);
  });
});

describe('rate limits', () => {
  it("sets a tenant's budgets and a client's own, null giving each back to the default, audited", async () => {
    const changed = await patch({ rate_limits: { token: 5000, api: 100, clients: { [acmeOps.clientId]: 2000 } } });
    expect(changed.status).toBe(200);
    expect(changed.body.rate_limits).toEqual({ ...DEFAULTS.rate_limits, token: 5000, api: 100, clients: { [acmeOps.clientId]: 2000 } });
    expect(await lastSettingsEvent()).toMatchObject({
      details: { before: { rate_limits: { token: null, api: null, clients: { [acmeOps.clientId]: null } } }, after: { rate_limits: { token: 5000, api: 100, clients: { [acmeOps.clientId]: 2000 } } } },
    });
    const back = await patch({ rate_limits: { token: null, clients: { [acmeOps.clientId]: null } } });
    expect(back.body.rate_limits).toEqual({ ...DEFAULTS.rate_limits, api: 100 });
    expect((await patch({ rate_limits: { api: null } })).body.rate_limits).toEqual(DEFAULTS.rate_limits);
  });

  it("refuses a budget out of bounds, above the platform's, or for a client the tenant does not have", async () => {
    const current = (await callAdmin(acme, '/settings', reader)).body;
    const refusals = [
      [{ rate_limits: { token: 0 } }, 400, 'invalid_rate_limit', /^rate_limits\.token must be a whole number of requests a minute from 1 to 10000000/],
      [{ rate_limits: { clients: { [acmeOps.clientId]: 10_000_001 } } }, 400, 'invalid_rate_limit', /^rate_limits\.clients\./],
      // The platform's budgets (RATE_LIMIT_*; 60000 and 30000 by default) are a tenant admin's ceiling.
      [{ rate_limits: { token: 60_001 } }, 403, 'rate_limit_above_platform_default', /at most the platform's 60000 a minute/],
      [{ rate_limits: { clients: { [acmeOps.clientId]: 30_001 } } }, 403, 'rate_limit_above_platform_default', /at most the platform's 30000/],
      [{ rate_limits: { clients: { nosuchclient: 10 } } }, 404, 'client_not_found', /nosuchclient/],
      [{ rate_limits: { tokens: 10 } }, 400, 'invalid_request', /body\.rate_limits\.tokens is not a known field/],
    ] as const;
    for (const [body, status, code, description] of refusals) {
      const answer = await patch(body);
      expect(answer.status, JSON.stringify(body)).toBe(status);
      expect(answer.body.error).toBe(code);
      expect(answer.body.error_description).toMatch(description);
    }
    expect((await patch({ rate_limits: { token: 60_000 } })).status).toBe(200);
    expect((await callAdmin(acme, '/settings', reader)).body).toEqual({ ...current, rate_limits: { ...DEFAULTS.rate_limits, token: 60_000 } });
    await patch({ rate_limits: { token: null } });
  });
});

describe('token lifetimes reach the provider', () => {
  interface LegacyClient {
    id: string;
    secret: string;
  }

  /** A client of the password grant: the quickest way to have the provider issue every kind of token. */
  async function legacyClient(tenant: TestTenant): Promise<LegacyClient> {
    const secret = generateClientSecret();
    const id = `legacy-${Math.random().toString(36).slice(2, 10)}`;
    await insertClient(tenant.db, {
      client_id: id,
      name: 'legacy',
      type: 'confidential',
      secret_hash: hashClientSecret(secret),
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['password', 'refresh_token'],
    });
    return { id, secret };
  }

  async function post(tenant: TestTenant, client: LegacyClient, path: string, form: Record<string, string>) {
    const response = await fetch(`${tenant.issuer}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}` },
      body: new URLSearchParams(form),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  const signIn = (tenant: TestTenant, client: LegacyClient) =>
    post(tenant, client, '/token', { grant_type: 'password', username: tenant.adminEmail, password: tenant.adminPassword, scope: 'openid offline_access' });

  async function lifetimesOf(tenant: TestTenant, client: LegacyClient, tokens: Record<string, any>) {
    const idToken = decodeJwt(tokens.id_token);
    const refresh = (await post(tenant, client, '/token/introspection', { token: tokens.refresh_token })).body;
    const access = (await post(tenant, client, '/token/introspection', { token: tokens.access_token })).body;
    return { expires_in: tokens.expires_in, access: access.exp - access.iat, id: idToken.exp! - idToken.iat!, refresh: refresh.exp - refresh.iat };
  }

  it('a newly issued token carries the lifetimes set, at this tenant only', async () => {
    // A tenant of its own: the tests above leave acme's lifetimes at their bounds.
    const initech = await createTestTenant(bed, uniqueTenantId('set-tokens'));
    const token = await adminToken(initech, await machineClient(initech, 'token ops', true), 'settings:write');
    const [client, globexClient] = await Promise.all([legacyClient(initech), legacyClient(globex)]);
    const before = await signIn(initech, client);
    expect(before.status).toBe(200);
    expect(await lifetimesOf(initech, client, before.body)).toEqual({ expires_in: 3600, access: 3600, id: 3600, refresh: 1_209_600 });

    const changed = await callAdmin(initech, '/settings', token, { method: 'PATCH', body: { token_lifetimes: { access_token: 600, id_token: 900, refresh_token: 7200 } } });
    expect(changed.status).toBe(200);

    // The change is announced; every node rebuilds the tenant's provider with it.
    const after = await pollUntil(() => signIn(initech, client), (answer) => answer.body.expires_in === 600);
    expect(await lifetimesOf(initech, client, after.body)).toEqual({ expires_in: 600, access: 600, id: 900, refresh: 7200 });

    const elsewhere = await signIn(globex, globexClient);
    expect(await lifetimesOf(globex, globexClient, elsewhere.body)).toEqual({ expires_in: 3600, access: 3600, id: 3600, refresh: 1_209_600 });
  });
});
