import type { ClientMetadata } from 'oidc-provider';
import type { TenantDb } from '../db/tenant-database.ts';
import { allPages } from '../db/page.ts';
import { findClient, listGrantedApis } from '../modules/clients/clients.repository.ts';
import { listApis, type ApiRow } from '../modules/apis/apis.repository.ts';
import { clientMetadataOf } from '../modules/clients/client-metadata.ts';
import { hasAdminApiGrant } from '../modules/clients/admin-api-grants.repository.ts';
import { adminApiIdentifier } from '../modules/apis/admin-api.ts';
import { builtinClientMetadata } from '../modules/clients/builtin-clients.ts';

/**
 * A tenant's clients (with the APIs granted to them) and APIs as its provider reads them. APIs are cached for the provider's
 * life; clients are read once per id, because the provider keeps each `Client` it finds
 * (provider.ts). Either way the token endpoint costs no query for them. A change to either
 * publishes `{kind: 'clients'}`, which drops the tenant's context (and these) on every node.
 * A client's granted APIs include the built-in admin API (`<issuer>/admin`) when it holds that grant.
 * The built-in console and account clients (modules/clients/builtin-clients.ts) come from the
 * issuer, not from the database.
 */
export interface TenantCatalog {
  client(clientId: string): Promise<ClientMetadata | undefined>;
  apis(): Promise<readonly ApiRow[]>;
  api(identifier: string): Promise<ApiRow | undefined>;
  defaultApi(): Promise<ApiRow | undefined>;
}

export function createTenantCatalog(db: TenantDb, issuer: string, tenantId: string): TenantCatalog {
  let apis: Promise<ApiRow[]> | undefined;

  const loadApis = () => {
    // All of them, page by page: one query up to 200 APIs.
    apis ??= allPages((page) => listApis(db, page));
    apis.catch(() => (apis = undefined));
    return apis;
  };

  return {
    async client(clientId) {
      const builtin = builtinClientMetadata(issuer, tenantId, clientId);
      if (builtin) return builtin;
      const [row, grantedApis, admin] = await Promise.all([findClient(db, clientId), listGrantedApis(db, clientId), hasAdminApiGrant(db, clientId)]);
      return row ? clientMetadataOf(row, admin ? [...grantedApis, adminApiIdentifier(issuer)] : grantedApis) : undefined;
    },
    apis: loadApis,
    async api(identifier) {
      return (await loadApis()).find((api) => api.identifier === identifier);
    },
    async defaultApi() {
      return (await loadApis()).find((api) => api.is_default);
    },
  };
}
