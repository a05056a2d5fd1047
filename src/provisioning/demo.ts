import type { Platform } from '../platform/platform.ts';
import { findTenant } from '../platform/tenants.repository.ts';
import { tenantMay } from '../platform/tenant-lifecycle.ts';
import { withTenantScope } from '../platform/tenant-access.ts';
import { CLI_ACTOR } from '../platform/tenant-scope.ts';
import { allPages } from '../db/page.ts';
import { parseTenantId } from '../platform/tenant-id.ts';
import { createTenant } from './tenants.service.ts';
import { createApi, listTenantApis } from '../modules/apis/apis.service.ts';
import { createClient, listTenantClients } from '../modules/clients/clients.service.ts';
import { createUser, listUsers } from '../modules/users/users.service.ts';

/** The redirect URI of examples/login.ts, the relying party the demo's web client is made for. */
export const DEMO_REDIRECT_URI = 'http://127.0.0.1:3000/callback';
const BACKEND_NAME = 'demo-backend';
const WEB_NAME = 'demo-web';

/** One thing the demo needs: `created` this time (a secret shown only now), or found from an earlier run. */
export interface DemoPart {
  created: boolean;
}

export interface Demo {
  tenant: DemoPart & { id: string; issuer: string };
  api: DemoPart & { identifier: string; scopes: string[] };
  backend: DemoPart & { clientId: string; clientSecret?: string };
  web: DemoPart & { clientId: string; redirectUri: string };
  user: DemoPart & { email: string; password?: string };
}

/**
 * A tenant to try everything with, in one step: an API, a confidential client for machine tokens,
 * a first-party public client for examples/login.ts, and a user. Each part is looked up first and
 * made only when missing, so running it again changes nothing and says what already exists
 * (secrets and passwords are shown only by the run that created them: only hashes are stored).
 */
export async function setUpDemo(platform: Platform, rawId: string): Promise<Demo> {
  const id = parseTenantId(rawId);
  const existing = await findTenant(platform.db, id);
  // A failed or unfinished creation is finished by creating it again.
  const tenantCreated = !(existing && tenantMay(existing.status, 'command'));
  if (tenantCreated) await createTenant(platform, { id, displayName: 'Demo' });
  const identifier = `https://api.${id}.test`;
  const scopes = [`${id}:read`, `${id}:write`];
  const email = `ada@${id}.test`;

  return withTenantScope(platform, id, async (scope) => {
    const api = (await allPages((page) => listTenantApis(scope, page))).find((row) => row.identifier === identifier);
    if (!api) await createApi(scope, { identifier, scopes, name: 'Demo API' }, CLI_ACTOR);

    const clients = await allPages((page) => listTenantClients(scope, page));
    const backendRow = clients.find((row) => row.name === BACKEND_NAME);
    const backend = backendRow
      ? { created: false, clientId: backendRow.client_id }
      : await createClient(scope, { name: BACKEND_NAME, type: 'confidential', grantTypes: ['client_credentials'], resources: [identifier] }, CLI_ACTOR).then((made) => ({
          created: true,
          clientId: made.client.client_id,
          clientSecret: made.clientSecret,
        }));
    const webRow = clients.find((row) => row.name === WEB_NAME);
    const webClientId = webRow
      ? webRow.client_id
      : (await createClient(scope, { name: WEB_NAME, type: 'public', redirectUris: [DEMO_REDIRECT_URI], firstParty: true }, CLI_ACTOR)).client.client_id;

    const userExists = (await allPages((page) => listUsers(scope, page))).some((row) => row.email === email);
    const password = userExists ? undefined : (await createUser(scope, { email, name: 'Ada Lovelace', roles: ['editor'], emailVerified: true }, CLI_ACTOR)).generatedPassword;

    return {
      tenant: { created: tenantCreated, id, issuer: scope.issuer },
      api: { created: !api, identifier, scopes: api?.scopes ?? scopes },
      backend,
      web: { created: !webRow, clientId: webClientId, redirectUri: DEMO_REDIRECT_URI },
      user: { created: !userExists, email, ...(password ? { password } : {}) },
    };
  });
}
