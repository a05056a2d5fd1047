import type { TenantDb } from '../../db/tenant-database.ts';
import { listClientOriginSources } from './clients.repository.ts';

/**
 * The browser origins a client's app runs on: those of its redirect URIs and the CORS origins
 * registered for it. One rule for the provider's own endpoints (oidc/configuration.ts
 * clientBasedCORS, per client) and the tenant's JSON APIs (routes/tenant-api-cors.ts, any client).
 */
export function originsOf(redirectUris: readonly string[], corsOrigins: readonly unknown[]): string[] {
  return [
    // A custom-scheme URI (a native app's) has the opaque origin "null", which no app may claim.
    ...redirectUris.flatMap((uri) => URL.parse(uri)?.origin ?? []).filter((origin) => origin !== 'null'),
    ...corsOrigins.filter((origin): origin is string => typeof origin === 'string'),
  ];
}

/** Every origin any of the tenant's clients runs on: who may call the tenant's JSON APIs from a browser. */
export async function tenantClientOrigins(db: TenantDb): Promise<Set<string>> {
  const rows = await listClientOriginSources(db);
  return new Set(rows.flatMap((row) => originsOf(row.redirect_uris, row.cors_origins)));
}
