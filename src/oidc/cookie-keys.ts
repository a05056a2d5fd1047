import crypto from 'node:crypto';
import type { Config } from '../config.ts';
import { resolveMasterKey } from '../crypto/master-key.ts';

const masterKeys = new WeakMap<Config, Buffer>();

/**
 * A tenant's cookie signing key, derived from the master key with HKDF: every node computes the
 * same key without storing one, and no two tenants share a key.
 */
export function tenantCookieKeys(config: Config, tenantId: string): string[] {
  let master = masterKeys.get(config);
  if (!master) {
    master = resolveMasterKey(config);
    masterKeys.set(config, master);
  }
  const key = crypto.hkdfSync('sha256', master, 'tansu-cookie-keys-v1', `tenant:${tenantId}`, 32);
  return [Buffer.from(key).toString('base64url')];
}
