import type { Config } from '../../config.ts';
import { deriveTenantKey } from '../../crypto/tenant-keys.ts';

/**
 * A tenant's keys for sign-in bookkeeping. `identifier` keys the digest of the submitted email in
 * `login_attempts`, so a copy of the table cannot be matched against a list of addresses without
 * the master key; `device` signs the device cookies of device-cookie.ts. Both differ per tenant,
 * so neither a digest nor a cookie of one tenant means anything at another.
 */
export interface TenantLoginKeys {
  readonly tenantId: string;
  readonly identifier: Buffer;
  readonly device: Buffer;
}

export function loginKeysFor(config: Config, tenantId: string): TenantLoginKeys {
  return Object.freeze({
    tenantId,
    identifier: deriveTenantKey(config, tenantId, 'login-identifier'),
    device: deriveTenantKey(config, tenantId, 'device-cookie'),
  });
}
