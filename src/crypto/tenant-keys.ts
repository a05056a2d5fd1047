import crypto from 'node:crypto';
import type { Config } from '../config.ts';
import { resolveMasterKey } from './master-key.ts';

const masterKeys = new WeakMap<Config, Buffer>();

/**
 * A 32-byte key for one tenant and one purpose, derived from the master key with HKDF-SHA256
 * (salt `tansu-<purpose>-v1`, info `tenant:<id>`) — cookie, CSRF, device-cookie and sign-in
 * activity keys all come from here: every node
 * derives the same key without storing it, and no two tenants or purposes share one.
 */
export function deriveTenantKey(config: Config, tenantId: string, purpose: string): Buffer {
  let master = masterKeys.get(config);
  if (!master) {
    master = resolveMasterKey(config);
    masterKeys.set(config, master);
  }
  return Buffer.from(crypto.hkdfSync('sha256', master, `tansu-${purpose}-v1`, `tenant:${tenantId}`, 32));
}
