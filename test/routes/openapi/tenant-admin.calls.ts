import crypto from 'node:crypto';
import type { OidcTestBed, TestTenant } from '../../support/oidc.ts';
import type { CallTable } from '../../support/openapi.ts';
import type { Operations } from './generated/tenant-admin.gen.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { createUser } from '../../../src/modules/users/users.service.ts';
import { disableUser } from '../../../src/modules/users/user-account.service.ts';
import { createClient, grantClientApi } from '../../../src/modules/clients/clients.service.ts';
import { createApi } from '../../../src/modules/apis/apis.service.ts';
import { createInvitation } from '../../../src/modules/users/invitations.service.ts';
import { addDomain } from '../../../src/modules/domains/domains.service.ts';
import { markDomainVerified } from '../../../src/platform/tenant-hosts.repository.ts';
import { accountMailOf } from '../../../src/modules/users/account-mail.ts';
import { enqueueMail, markMailFailed } from '../../../src/modules/mail/mail-outbox.repository.ts';
import { createConnection } from '../../../src/modules/connections/connections.service.ts';
import { insertIdentity } from '../../../src/modules/connections/identities.repository.ts';

/** What an entry may use to prepare its call: the tenant (a TenantScope, what the services take) and the test bed. */
export interface TenantCallContext {
  bed: OidcTestBed;
  tenant: TestTenant;
}

/**
 * How admin-api-contract.test.ts calls each operation of the tenant admin API's document: one
 * entry per operationId, giving valid input (params, query, body; the test brings the token)
 * and, when the operation's success is not a 2xx, the status to expect. The table is typed by
 * the types generated from the document (generated/tenant-admin.gen.ts, `npm run
 * openapi:types`): an operation without an entry, or input the document does not allow, fails
 * `npm run typecheck`. An entry may prepare
 * what its call needs through the services (a user to disable), and should not depend on
 * another entry. The test fails naming every operation without an entry, and every entry whose
 * operation has gone. A new route's line, for example:
 *
 *   getUsersByUserId: async ({ tenant }) => ({ params: { user_id: (await createUser(tenant, { email: 'c@example.test' })).id } }),
 */
export const TENANT_ADMIN_CALLS: CallTable<Operations, TenantCallContext> = {
  getMe: () => ({}),

  getUsers: () => ({ query: { email: 'example', status: 'active', limit: 2 } }),
  postUsers: () => ({ body: { email: `${crypto.randomUUID()}@contract.test`, roles: ['Viewer'], email_verified: true }, status: 201 }),
  getUsersByUserId: async ({ tenant }) => ({ params: { user_id: await newUser(tenant) } }),
  patchUsersByUserId: async ({ tenant }) => ({ params: { user_id: await newUser(tenant) }, body: { name: 'Renamed', roles: ['Editor'] } }),
  deleteUsersByUserId: async ({ tenant }) => ({ params: { user_id: await newUser(tenant) }, status: 204 }),
  postUsersByUserIdDisable: async ({ tenant }) => ({ params: { user_id: await newUser(tenant) } }),
  postUsersByUserIdEnable: async ({ tenant }) => {
    const userId = await newUser(tenant);
    await disableUser(tenant, { userId }, TEST_ACTOR);
    return { params: { user_id: userId } };
  },
  postUsersByUserIdPassword: async ({ tenant }) => ({ params: { user_id: await newUser(tenant) }, body: { password: 'a new password 123' } }),
  getUsersByUserIdSessions: async ({ tenant }) => {
    const userId = await newUser(tenant);
    await saveProviderRow(tenant, 'Session', { accountId: userId, uid: crypto.randomUUID(), loginTs: Math.floor(Date.now() / 1000), amr: ['pwd'] });
    return { params: { user_id: userId } };
  },
  deleteUsersByUserIdSessionsBySessionId: async ({ tenant }) => {
    const userId = await newUser(tenant);
    const uid = crypto.randomUUID();
    await saveProviderRow(tenant, 'Session', { accountId: userId, uid, loginTs: Math.floor(Date.now() / 1000) });
    return { params: { user_id: userId, session_id: uid }, status: 204 };
  },
  getUsersByUserIdGrants: async ({ tenant }) => {
    const userId = await newUser(tenant);
    await saveProviderRow(tenant, 'Grant', { accountId: userId, clientId: 'some-app', openid: { scope: 'openid email' }, iat: Math.floor(Date.now() / 1000) });
    return { params: { user_id: userId } };
  },
  deleteUsersByUserIdGrantsByGrantId: async ({ tenant }) => {
    const userId = await newUser(tenant);
    const grantId = await saveProviderRow(tenant, 'Grant', { accountId: userId, clientId: 'some-app', iat: Math.floor(Date.now() / 1000) });
    return { params: { user_id: userId, grant_id: grantId }, status: 204 };
  },
  getUsersByUserIdLoginActivity: async ({ tenant }) => ({ params: { user_id: await newUser(tenant) }, query: { limit: 10 } }),
  postUsersByUserIdPasswordReset: async ({ tenant }) => ({ params: { user_id: await newUser(tenant) }, status: 202 }),
  postUsersByUserIdVerificationEmail: async ({ tenant }) => ({ params: { user_id: await newUser(tenant) }, status: 202 }),
  getUsersByUserIdFactors: async ({ tenant }) => ({ params: { user_id: await newUser(tenant) } }),
  deleteUsersByUserIdFactors: async ({ tenant }) => ({ params: { user_id: await newUser(tenant) } }),

  getClients: () => ({ query: { limit: 2 } }),
  postClients: () => ({ body: { name: 'Contract worker', type: 'confidential', grant_types: ['client_credentials'], cors_origins: ['https://contract.test'] }, status: 201 }),
  getClientsByClientId: async ({ tenant }) => ({ params: { client_id: await newMachine(tenant) } }),
  patchClientsByClientId: async ({ tenant }) => ({ params: { client_id: await newMachine(tenant) }, body: { name: 'Renamed worker' } }),
  deleteClientsByClientId: async ({ tenant }) => ({ params: { client_id: await newMachine(tenant) }, status: 204 }),
  postClientsByClientIdSecret: async ({ tenant }) => ({ params: { client_id: await newMachine(tenant) }, body: { grace_days: 1 } }),
  putClientsByClientIdApisByApiId: async ({ tenant }) => ({ params: { client_id: await newMachine(tenant), api_id: await newApi(tenant) } }),
  deleteClientsByClientIdApisByApiId: async ({ tenant }) => {
    const clientId = await newMachine(tenant);
    const apiId = await newApi(tenant);
    await grantClientApi(tenant, clientId, { id: apiId }, TEST_ACTOR);
    return { params: { client_id: clientId, api_id: apiId }, status: 204 };
  },

  getApis: () => ({ query: { limit: 2 } }),
  postApis: () => ({ body: { identifier: `https://${crypto.randomUUID()}.contract.test`, name: 'Orders', scopes: ['orders:read'], access_token_ttl: 900 }, status: 201 }),
  getApisByApiId: async ({ tenant }) => ({ params: { api_id: await newApi(tenant) } }),
  patchApisByApiId: async ({ tenant }) => ({ params: { api_id: await newApi(tenant) }, body: { name: 'Ledger', scopes: ['ledger:read', 'ledger:write'], access_token_ttl: 300 } }),
  deleteApisByApiId: async ({ tenant }) => ({ params: { api_id: await newApi(tenant) }, status: 204 }),

  getInvitations: () => ({ query: { limit: 2 } }),
  postInvitations: () => ({ body: { email: `${crypto.randomUUID()}@contract.test`, roles: ['editor'], expires_in_days: 3 }, status: 201 }),
  postInvitationsByInvitationIdResend: async ({ bed, tenant }) => ({ params: { invitation_id: await newInvitation(bed, tenant) }, body: { expires_in_days: 2 } }),
  deleteInvitationsByInvitationId: async ({ bed, tenant }) => ({ params: { invitation_id: await newInvitation(bed, tenant) }, status: 204 }),

  getKeys: () => ({ query: { limit: 10 } }),
  postKeysRotate: () => ({ body: { grace_days: 1 } }),
  getKeysPolicy: () => ({}),
  putKeysPolicy: () => ({ body: { rotate_every_days: 30, grace_days: 7 } }),
  getSettings: () => ({}),
  patchSettings: () => ({ body: { signup: 'invite', token_lifetimes: { access_token: 1800 } } }),
  getBranding: () => ({}),
  patchBranding: () => ({ body: { primary_color: '#0a7d4f', default_language: 'de' } }),
  postBrandingPreview: () => ({ body: { accent_color: '#123456', custom_css: 'h1{letter-spacing:.02em}', language: 'fr' } }),
  getAuditEvents: () => ({ query: { action: 'settings.updated', since: '2026-01-01T00:00:00Z', limit: 5 } }),
  getLoginActivity: () => ({ query: { outcome: 'signed_in', limit: 5 } }),
  getStats: () => ({ query: { hours: 48 } }),

  getMail: () => ({ query: { state: 'failed', to: 'someone@contract.test', limit: 5 } }),
  postMailByMailIdRetry: async ({ tenant }) => {
    const id = await enqueueMail(tenant.db, { to: 'bounced@contract.test', template: 'invitation', subject: 'Invited', text: 'a link', html: '<p>a link</p>' });
    await markMailFailed(tenant.db, id, 15, '550 no such mailbox');
    return { params: { mail_id: id } };
  },
  getMailTemplates: () => ({}),
  getMailTemplatesByName: () => ({ params: { name: 'invitation' } }),
  putMailTemplatesByName: () => ({ params: { name: 'magic_link' }, body: { subject: 'Sign in to {{tenant_name}}', text: 'Open {{link}} within {{expires_in}}.' } }),
  deleteMailTemplatesByName: () => ({ params: { name: 'magic_link' }, status: 204 }),

  getConnections: () => ({ query: { limit: 2 } }),
  postConnections: () => ({
    body: { name: `c${crypto.randomBytes(6).toString('hex')}`, type: 'oidc', issuer: 'https://idp.contract.test', client_id: 'tansu', client_secret: 'contract secret', domains: ['contract.test'] },
    status: 201,
  }),
  getConnectionsByConnectionId: async ({ tenant }) => ({ params: { connection_id: await newConnection(tenant) } }),
  patchConnectionsByConnectionId: async ({ tenant }) => ({ params: { connection_id: await newConnection(tenant) }, body: { display_name: 'Renamed', enabled: false } }),
  deleteConnectionsByConnectionId: async ({ tenant }) => ({ params: { connection_id: await newConnection(tenant) }, status: 204 }),
  getUsersByUserIdIdentities: async ({ tenant }) => {
    const userId = await newUser(tenant);
    await insertIdentity(tenant.db, { providerId: await newConnection(tenant), subject: 'contract-subject', userId, email: null });
    return { params: { user_id: userId } };
  },
  deleteUsersByUserIdIdentitiesByIdentityId: async ({ tenant }) => {
    const userId = await newUser(tenant);
    const identity = await insertIdentity(tenant.db, { providerId: await newConnection(tenant), subject: 'contract-subject', userId, email: null });
    return { params: { user_id: userId, identity_id: identity!.id }, status: 204 };
  },

  getIssuer: () => ({}),
  // Already in the path form: answered, and nothing moves under the other calls' tokens.
  putIssuer: () => ({ body: { form: 'path' } }),
  getDomains: () => ({}),
  postDomains: () => ({ body: { domain: `${crypto.randomUUID()}.contract.test` }, status: 201 }),
  // Verified already (by the repository, as a DNS check would): answered without a lookup.
  postDomainsByDomainVerify: async ({ bed, tenant }) => {
    const domain = await newDomain(bed, tenant);
    await markDomainVerified(bed.platform.db, tenant.id, domain);
    return { params: { domain } };
  },
  // A pending domain: the documented refusal, so the tenant's issuer stays where the other calls' tokens expect it.
  postDomainsByDomainActivate: async ({ bed, tenant }) => ({ params: { domain: await newDomain(bed, tenant) }, status: 409 }),
  deleteDomainsByDomain: async ({ bed, tenant }) => ({ params: { domain: await newDomain(bed, tenant) }, status: 204 }),
};

async function newDomain(bed: OidcTestBed, tenant: TestTenant): Promise<string> {
  return (await addDomain(bed.platform, tenant, `${crypto.randomUUID()}.contract.test`, TEST_ACTOR)).domain;
}

/** A GitHub connection (no discovery: nothing is fetched until someone signs in with it). */
async function newConnection(tenant: TestTenant): Promise<string> {
  const name = `gh${crypto.randomBytes(6).toString('hex')}`;
  return (await createConnection(tenant, { name, type: 'github', clientId: 'contract', clientSecret: 'contract secret' }, TEST_ACTOR)).id;
}

/** A confidential machine client (client credentials), the kind an API can be granted to. */
async function newMachine(tenant: TestTenant): Promise<string> {
  return (await createClient(tenant, { name: 'contract machine', type: 'confidential', grantTypes: ['client_credentials'] }, TEST_ACTOR)).client.client_id;
}

async function newApi(tenant: TestTenant): Promise<string> {
  return (await createApi(tenant, { identifier: `https://${crypto.randomUUID()}.contract.test`, scopes: ['things:read'] }, TEST_ACTOR)).id;
}

async function newInvitation(bed: OidcTestBed, tenant: TestTenant): Promise<string> {
  const mail = await accountMailOf(bed.platform, tenant.id);
  return (await createInvitation(tenant, { email: `${crypto.randomUUID()}@contract.test`, mail }, TEST_ACTOR)).invitation.id;
}

async function newUser(tenant: TestTenant): Promise<string> {
  return (await createUser(tenant, { email: `${crypto.randomUUID()}@contract.test`, password: 'long enough 123' }, TEST_ACTOR)).user.id;
}

/** A provider row as oidc-provider saves one (oidc/adapter.ts): a user's session or grant without driving a sign-in. */
async function saveProviderRow(tenant: TestTenant, model: string, payload: Record<string, unknown>): Promise<string> {
  const id = crypto.randomBytes(16).toString('base64url');
  await tenant.db
    .insertInto('oidc_payloads')
    .values({ model, id, payload: JSON.stringify({ ...payload, jti: id, kind: model }), expires_at: new Date(Date.now() + 3_600_000) })
    .execute();
  return id;
}
