import crypto from 'node:crypto';
import type { Config } from '../config.ts';
import { resolveMasterKey } from '../crypto/master-key.ts';

const masterKeys = new WeakMap<Config, Buffer>();

/**
 * A per-tenant key for one purpose, derived from the master key with HKDF: every node computes
 * the same key without storing one, no two tenants share a key, and no two purposes do.
 */
function derivedTenantKey(config: Config, tenantId: string, purpose: 'cookies' | 'csrf'): string {
  let master = masterKeys.get(config);
  if (!master) {
    master = resolveMasterKey(config);
    masterKeys.set(config, master);
  }
  const key = crypto.hkdfSync('sha256', master, `tansu-${purpose}-v1`, `tenant:${tenantId}`, 32);
  return Buffer.from(key).toString('base64url');
}

/** oidc-provider's cookie signing keys for a tenant (newest first). */
export function tenantCookieKeys(config: Config, tenantId: string): string[] {
  return [derivedTenantKey(config, tenantId, 'cookies')];
}

/** The key of the login and consent forms' CSRF tokens. */
export function tenantCsrfKey(config: Config, tenantId: string): string {
  return derivedTenantKey(config, tenantId, 'csrf');
}
