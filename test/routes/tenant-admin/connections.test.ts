import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueTenantId } from '../../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../../support/oidc.ts';
import { adminToken, callAdmin, machineClient } from '../../support/admin-api.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { createUser } from '../../../src/modules/users/users.service.ts';
import { insertIdentity } from '../../../src/modules/connections/identities.repository.ts';
import { secretContext } from '../../../src/modules/connections/connection.ts';

/**
 * `/t/<id>/admin/v1/connections…` and a user's `…/identities`: upstream identity providers as
 * admins manage them, over real HTTP with the tenant's own admin tokens. Secrets go in and never
 * come out: not in an answer, not in the audit log, and at rest only sealed.
 */
let bed: OidcTestBed;
let acme: TestTenant;
let globex: TestTenant;
let writer: string;
let reader: string;
let globexWriter: string;

beforeAll(async () => {
  bed = await startOidcTestBed();
  [acme, globex] = await Promise.all([createTestTenant(bed, uniqueTenantId('idp-acme')), createTestTenant(bed, uniqueTenantId('idp-globex'))]);
  const [acmeOps, globexOps] = await Promise.all([machineClient(acme, 'acme automation', true), machineClient(globex, 'globex automation', true)]);
  [writer, reader, globexWriter] = await Promise.all([
    adminToken(acme, acmeOps, 'connections:read connections:write users:read users:write'),
    adminToken(acme, acmeOps, 'connections:read users:read'),
    adminToken(globex, globexOps, 'connections:read connections:write'),
  ]);
});
afterAll(async () => {
  await bed?.close();
});

type Connection = { id: string; name: string } & Record<string, unknown>;

async function create(body: Record<string, unknown>, tenant = acme, token = writer): Promise<Connection> {
  const answer = await callAdmin(tenant, '/connections', token, { method: 'POST', body });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body as Connection;
}

const appleKey = () => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

describe('POST /connections', () => {
  it('adds an OpenID Connect connection, shows the redirect URI to register, and keeps the secret sealed', async () => {
    const secret = `upstream-secret-${crypto.randomUUID()}`;
    const answer = await callAdmin(acme, '/connections', writer, {
      method: 'POST',
      body: { name: 'okta', type: 'oidc', display_name: 'Acme staff', issuer: 'https://acme.okta.test', client_id: 'tansu', client_secret: secret, domains: ['Acme.test'], default_roles: ['staff'] },
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'okta',
      display_name: 'Acme staff',
      type: 'oidc',
      protocol: 'oidc',
      enabled: true,
      issuer: 'https://acme.okta.test',
      authorization_endpoint: null,
      token_endpoint: null,
      userinfo_endpoint: null,
      client_id: 'tansu',
      client_secret_set: true,
      scopes: ['openid', 'email', 'profile'],
      claim_mapping: null,
      token_endpoint_auth_method: 'client_secret_basic',
      response_mode: 'query',
      trust_email: false,
      tenant: null,
      team_id: null,
      key_id: null,
      domains: ['acme.test'],
      default_roles: ['staff'],
      create_users: true,
      redirect_uri: `${acme.issuer}/connections/callback`,
      saml: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const id = answer.body.id as string;
    const row = await acme.db.selectFrom('identity_providers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.client_secret_encrypted).not.toContain(secret);
    expect(acme.secrets.open(row.client_secret_encrypted!, secretContext(acme, id))).toBe(secret);
    // Bound to its tenant and row: the same ciphertext does not open as another's.
    expect(() => acme.secrets.open(row.client_secret_encrypted!, secretContext(globex, id))).toThrow();
    const events = await acme.db.selectFrom('audit_events').selectAll().where('target', '=', id).execute();
    expect(events.map((event) => event.action)).toEqual(['connection.created']);
    expect(JSON.stringify(events)).not.toContain(secret);
    const listed = await callAdmin(acme, '/connections', reader);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect((listed.body.items as Connection[]).map((item) => item.name)).toContain('okta');
  });

  it('fills in what each preset fixes', async () => {
    const google = await create({ name: 'google', type: 'google', client_id: 'g-id', client_secret: 'g-secret' });
    expect(google).toMatchObject({ type: 'google', protocol: 'oidc', issuer: 'https://accounts.google.com', display_name: 'Google' });
    const microsoft = await create({ name: 'microsoft', type: 'microsoft', client_id: 'm-id', client_secret: 'm-secret' });
    expect(microsoft).toMatchObject({ issuer: 'https://login.microsoftonline.com/common/v2.0', tenant: 'common', token_endpoint_auth_method: 'client_secret_post' });
    const github = await create({ name: 'github', type: 'github', client_id: 'gh-id', client_secret: 'gh-secret' });
    expect(github).toMatchObject({
      protocol: 'oauth2',
      issuer: null,
      authorization_endpoint: 'https://github.com/login/oauth/authorize',
      userinfo_endpoint: 'https://api.github.com/user',
      scopes: ['read:user', 'user:email'],
    });
    const apple = await create({ name: 'apple', type: 'apple', client_id: 'com.acme.signin', team_id: 'TEAM123456', key_id: 'KEY1234567', private_key: appleKey() });
    expect(apple).toMatchObject({ issuer: 'https://appleid.apple.com', response_mode: 'form_post', client_secret_set: true, team_id: 'TEAM123456' });
  });

  it('refuses what a connection cannot work with, naming the property', async () => {
    const refusals: Array<[Record<string, unknown>, string]> = [
      [{ name: 'Bad Name', type: 'oidc', issuer: 'https://x.test', client_id: 'a', client_secret: 'b' }, 'name'],
      [{ name: 'noissuer', type: 'oidc', client_id: 'a', client_secret: 'b' }, 'issuer'],
      [{ name: 'plain', type: 'oidc', issuer: 'http://idp.example.com', client_id: 'a', client_secret: 'b' }, 'https'],
      [{ name: 'nosecret', type: 'oidc', issuer: 'https://x.test', client_id: 'a' }, 'client_secret'],
      [{ name: 'half', type: 'oauth2', authorization_endpoint: 'https://x.test/a', client_id: 'a', client_secret: 'b' }, 'token_endpoint'],
      [{ name: 'ghissuer', type: 'github', issuer: 'https://x.test', client_id: 'a', client_secret: 'b' }, 'issuer'],
      [{ name: 'nokey', type: 'apple', client_id: 'a', team_id: 'TEAM123456', key_id: 'KEY1234567' }, 'private_key'],
      [{ name: 'badkey', type: 'apple', client_id: 'a', team_id: 'TEAM123456', key_id: 'KEY1234567', private_key: 'not a key' }, '.p8'],
      [{ name: 'noopenid', type: 'oidc', issuer: 'https://x.test', client_id: 'a', client_secret: 'b', scopes: ['email'] }, 'openid'],
      [{ name: 'baddomain', type: 'oidc', issuer: 'https://x.test', client_id: 'a', client_secret: 'b', domains: ['not a domain'] }, 'domain'],
    ];
    for (const [body, word] of refusals) {
      const answer = await callAdmin(acme, '/connections', writer, { method: 'POST', body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error).toBe('invalid_connection');
      expect(String(answer.body.error_description)).toContain(word);
    }
    const duplicate = await callAdmin(acme, '/connections', writer, { method: 'POST', body: { name: 'google', type: 'google', client_id: 'a', client_secret: 'b' } });
    expect(duplicate).toMatchObject({ status: 409, body: { error: 'connection_exists' } });
    const unknownType = await callAdmin(acme, '/connections', writer, { method: 'POST', body: { name: 'x', type: 'saml', client_id: 'a' } });
    expect(unknownType.status).toBe(400);
  });
});

describe('PATCH and DELETE /connections/:id', () => {
  it('changes what is sent, replaces the secret, and honours If-Match', async () => {
    const created = await create({ name: 'partner', type: 'oidc', issuer: 'https://partner.test', client_id: 'p', client_secret: 'first secret' });
    const read = await callAdmin(acme, `/connections/${created.id}`, reader);
    const etag = read.headers.get('etag')!;
    const changed = await callAdmin(acme, `/connections/${created.id}`, writer, {
      method: 'PATCH',
      headers: { 'if-match': etag },
      body: { display_name: 'Partner SSO', client_secret: 'second secret', enabled: false },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ display_name: 'Partner SSO', enabled: false, client_secret_set: true, issuer: 'https://partner.test' });
    const stale = await callAdmin(acme, `/connections/${created.id}`, writer, { method: 'PATCH', headers: { 'if-match': etag }, body: { enabled: true } });
    expect(stale).toMatchObject({ status: 412, body: { error: 'precondition_failed' } });
    const row = await acme.db.selectFrom('identity_providers').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(acme.secrets.open(row.client_secret_encrypted!, secretContext(acme, created.id))).toBe('second secret');
    const [updated] = await acme.db.selectFrom('audit_events').selectAll().where('target', '=', created.id).where('action', '=', 'connection.updated').execute();
    expect(updated!.details).toEqual({
      before: { display_name: 'OpenID Connect', enabled: true },
      after: { display_name: 'Partner SSO', enabled: false },
      secret_replaced: true,
    });
    const refused = await callAdmin(acme, `/connections/${created.id}`, writer, { method: 'PATCH', body: { tenant: 'common' } });
    expect(refused).toMatchObject({ status: 400, body: { error: 'invalid_connection' } });
  });

  it('removes a connection with the identities linked through it, keeping the users', async () => {
    const created = await create({ name: 'leaving', type: 'github', client_id: 'l', client_secret: 's' });
    const { user } = await createUser(acme, { email: 'linked@idp-acme.test', password: 'long enough 123' }, TEST_ACTOR);
    await insertIdentity(acme.db, { providerId: created.id, subject: '4242', userId: user.id, email: 'linked@idp-acme.test' });
    const deleted = await callAdmin(acme, `/connections/${created.id}`, writer, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect(await acme.db.selectFrom('user_identities').select('id').where('user_id', '=', user.id).execute()).toEqual([]);
    expect(await acme.db.selectFrom('users').select('id').where('id', '=', user.id).execute()).toHaveLength(1);
    const [event] = await acme.db.selectFrom('audit_events').selectAll().where('target', '=', created.id).where('action', '=', 'connection.deleted').execute();
    expect(event!.details).toMatchObject({ unlinked_identities: 1 });
    expect((await callAdmin(acme, `/connections/${created.id}`, reader)).body).toMatchObject({ error: 'connection_not_found' });
  });
});

describe("a user's identities", () => {
  it('lists and unlinks them, audited', async () => {
    const connection = await create({ name: 'unlinkable', type: 'github', client_id: 'u', client_secret: 's' });
    const { user } = await createUser(acme, { email: 'two-ids@idp-acme.test', password: 'long enough 123' }, TEST_ACTOR);
    const identity = await insertIdentity(acme.db, { providerId: connection.id, subject: '1001', userId: user.id, email: 'gh@idp-acme.test' });
    const listed = await callAdmin(acme, `/users/${user.id}/identities`, reader);
    expect(listed.body).toEqual({
      items: [{ id: identity!.id, connection: 'unlinkable', subject: '1001', email: 'gh@idp-acme.test', linked_at: expect.any(String), last_signed_in_at: expect.any(String) }],
    });
    const forbidden = await callAdmin(acme, `/users/${user.id}/identities/${identity!.id}`, reader, { method: 'DELETE' });
    expect(forbidden.status).toBe(403);
    const unlinked = await callAdmin(acme, `/users/${user.id}/identities/${identity!.id}`, writer, { method: 'DELETE' });
    expect(unlinked.status).toBe(204);
    expect((await callAdmin(acme, `/users/${user.id}/identities`, reader)).body).toEqual({ items: [] });
    const again = await callAdmin(acme, `/users/${user.id}/identities/${identity!.id}`, writer, { method: 'DELETE' });
    expect(again).toMatchObject({ status: 404, body: { error: 'identity_not_found' } });
    const [event] = await acme.db.selectFrom('audit_events').selectAll().where('target', '=', user.id).where('action', '=', 'identity.unlinked').execute();
    expect(event!.details).toEqual({ identity: identity!.id, connection: 'unlinkable', subject: '1001' });
  });
});

describe('scopes and isolation', () => {
  it('needs connections:write to change, and never reaches another tenant', async () => {
    const withoutWrite = await callAdmin(acme, '/connections', reader, { method: 'POST', body: { name: 'nope', type: 'github', client_id: 'a', client_secret: 'b' } });
    expect(withoutWrite.status).toBe(403);
    expect(withoutWrite.headers.get('www-authenticate')).toContain('scope="connections:write"');

    const acmeOne = await create({ name: 'acme-only', type: 'github', client_id: 'a', client_secret: 'b' });
    expect((await callAdmin(globex, `/connections/${acmeOne.id}`, globexWriter)).status).toBe(404);
    expect((await callAdmin(globex, `/connections/${acmeOne.id}`, globexWriter, { method: 'DELETE' })).status).toBe(404);
    expect((await callAdmin(globex, '/connections', globexWriter)).body).toEqual({ items: [], next_cursor: null });
    expect((await callAdmin(acme, '/connections', globexWriter)).status).toBe(401);
  });
});
