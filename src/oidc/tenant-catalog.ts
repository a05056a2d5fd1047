import type { ClientMetadata } from 'oidc-provider';
import type { TenantDb } from '../db/tenant-database.ts';
import { findClient } from '../modules/clients/clients.repository.ts';
import { listApis, type ApiRow } from '../modules/apis/apis.repository.ts';
import { clientMetadataOf } from './client-metadata.ts';

/**
 * A tenant's clients and APIs as its provider reads them, cached for the provider's life: the
 * token endpoint then costs no query for them. A change to either publishes `{kind: 'clients'}`,
 * which drops the tenant's context (and this cache) on every node.
 */
export interface TenantCatalog {
  client(clientId: string): Promise<ClientMetadata | undefined>;
  apis(): Promise<readonly ApiRow[]>;
  api(identifier: string): Promise<ApiRow | undefined>;
  defaultApi(): Promise<ApiRow | undefined>;
}

/** Enough for any real tenant; unknown ids are not cached, so probing cannot fill it. */
const MAX_CACHED_CLIENTS = 500;

export function createTenantCatalog(db: TenantDb): TenantCatalog {
  const clients = new Map<string, Promise<ClientMetadata | undefined>>();
  let apis: Promise<ApiRow[]> | undefined;

  const loadApis = () => {
    apis ??= listApis(db);
    apis.catch(() => (apis = undefined));
    return apis;
  };

  return {
    client(clientId) {
      const cached = clients.get(clientId);
      if (cached) return cached;
      const loading = findClient(db, clientId).then((row) => (row ? clientMetadataOf(row) : undefined));
      clients.set(clientId, loading);
      loading.then(
        (found) => {
          if (!found || clients.size > MAX_CACHED_CLIENTS) clients.delete(clientId);
        },
        () => clients.delete(clientId),
      );
      return loading;
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
