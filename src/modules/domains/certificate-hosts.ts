import type { Config } from '../../config.ts';
import type { Kysely } from 'kysely';
import type { PlatformDatabase, TenantStatus } from '../../db/schema.ts';
import { hostnameOf } from '../../http/host-names.ts';
import { isTenantId } from '../../platform/tenant-id.ts';
import { findTenant } from '../../platform/tenants.repository.ts';
import { tenantOfIssuerDomain } from '../../platform/tenant-hosts.repository.ts';

/**
 * Which names a TLS proxy with on-demand certificates (Caddy's `on_demand_tls ask`) may get a
 * certificate for: a custom domain that is its tenant's active issuer, and `<id>.<BASE_DOMAIN>`
 * of a tenant that exists. Nothing else, so a stranger pointing DNS at the proxy, or asking for
 * random subdomains, cannot make it request certificates (and hit the CA's rate limits).
 */

/** A tenant that is or will shortly be served again; not one being created, failed or deleted. */
const HOSTED: ReadonlySet<TenantStatus> = new Set(['active', 'suspended', 'maintenance']);

export async function mayHaveCertificate(platform: { db: Kysely<PlatformDatabase>; config: Pick<Config, 'baseDomain'> }, rawName: string): Promise<boolean> {
  const name = hostnameOf(rawName);
  if (!name || name.startsWith('[')) return false;
  const owner = await tenantOfIssuerDomain(platform.db, name);
  if (owner) return HOSTED.has(owner.status);
  const base = platform.config.baseDomain;
  if (!base || !name.endsWith(`.${base}`)) return false;
  const label = name.slice(0, -(base.length + 1));
  if (!isTenantId(label)) return false;
  const tenant = await findTenant(platform.db, label);
  return tenant !== undefined && HOSTED.has(tenant.status);
}
