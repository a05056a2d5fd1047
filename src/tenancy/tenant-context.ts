import type { Platform } from '../platform/platform.ts';
import type { TenantDb } from '../db/tenant-database.ts';
import { openTenantPool } from '../platform/tenant-access.ts';
import { findTenant, type TenantRow } from '../platform/tenants.repository.ts';
import { tenantNotFound } from '../errors.ts';
import { assertTenantServes } from '../platform/tenant-lifecycle.ts';
import { parseTenantId, type TenantId } from '../platform/tenant-id.ts';
import { tenantIssuer } from '../platform/issuer.ts';
import type { Disposable } from './tenant-cache.ts';
import type Provider from 'oidc-provider';
import type { JWK } from 'jose';
import { createTenantProvider } from '../oidc/provider.ts';
import { loadPublishedKeySet, type PublishedKeySet } from '../modules/keys/signing-keys.ts';
import { readServingSettings } from '../modules/settings/settings.service.ts';
import { effectiveRateBudgets, type RateBudgets } from '../modules/settings/rate-limits.ts';
import { tenantConnectionBudget } from './tenant-connections.ts';
import { readBranding } from '../modules/branding/branding.service.ts';
import type { Branding } from '../modules/branding/branding.ts';
import { tenantScope, type TenantScope } from '../platform/tenant-scope.ts';

/** Everything a request needs to serve one tenant; built once per node and cached (docs/architecture.md#request-flow). */
export interface TenantContext extends Disposable {
  readonly id: TenantId;
  readonly row: TenantRow;
  readonly issuer: string;
  readonly clusterUrl: string;
  /** Kysely over the tenant's own small pool, logged in as the tenant's role: it cannot reach another tenant's database. */
  readonly db: TenantDb;
  /** What the tenant-level services take (modules/*): the same id and pool, and how to announce a change. */
  readonly scope: TenantScope;
  /** The tenant's own oidc-provider: its keys, its adapter, its users (src/oidc/provider.ts). */
  readonly provider: Provider;
  /** The public keys the tenant publishes (its JWKS): its own tokens are verified against these, never another tenant's. */
  readonly publicJwks: readonly JWK[];
  /** When a retired key's grace period ends: the provider must not publish it past then, so the cache drops the context. */
  readonly expiresAt: Date | undefined;
  /** Its look and default language, read with the context: a change announces `settings`, which rebuilds it. */
  readonly branding: Branding;
  /** The tenant's rate limits, its own or the platform's (routes/rate-limits.ts); a change announces `settings`. */
  readonly rateBudgets: RateBudgets;
}

/** Loads the registry row and refuses tenants that cannot serve requests. */
export async function loadServableTenant(platform: Platform, rawId: string): Promise<TenantRow> {
  let id: TenantId;
  try {
    id = parseTenantId(rawId);
  } catch {
    // A malformed id names no tenant; say so the same way as for an unknown one.
    throw tenantNotFound(rawId.slice(0, 64));
  }
  const row = await findTenant(platform.db, id);
  assertTenantServes(id, row);
  return row;
}

export async function buildTenantContext(platform: Platform, rawId: string): Promise<TenantContext> {
  const row = await loadServableTenant(platform, rawId);
  const clusterUrl = await platform.clusters.urlOf(row.cluster);
  // As the tenant's own login role: this pool cannot open another tenant's database.
  const db = await openTenantPool(platform, row, platform.config.tenantPoolMax, 'tansu-tenant', tenantConnectionBudget(platform));
  const issuer = tenantIssuer(platform, row);
  let keys: PublishedKeySet;
  let branding: Branding;
  let provider: Provider;
  let rateBudgets: RateBudgets;
  try {
    const [published, { tokenLifetimes, rateLimits }, tenantBranding] = await Promise.all([loadPublishedKeySet(db, row.id, platform.secrets), readServingSettings(db), readBranding(db)]);
    keys = published;
    branding = tenantBranding;
    rateBudgets = effectiveRateBudgets(rateLimits, platform.config.rateLimits);
    provider = await createTenantProvider(platform, { id: row.id, displayName: row.display_name, issuer, db, jwks: keys.jwks, publicJwks: keys.publicJwks, tokenLifetimes });
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return {
    id: row.id as TenantId,
    row,
    issuer,
    clusterUrl,
    db,
    scope: tenantScope(platform, row.id as TenantId, db, issuer),
    provider,
    publicJwks: keys.publicJwks,
    expiresAt: keys.changesAt,
    branding,
    rateBudgets,
    async close() {
      await db.destroy();
    },
  };
}
