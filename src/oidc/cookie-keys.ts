import type { Config } from '../config.ts';
import { deriveTenantKey } from '../crypto/tenant-keys.ts';

/** oidc-provider's cookie signing keys for a tenant (newest first). */
export function tenantCookieKeys(config: Config, tenantId: string): string[] {
  return [deriveTenantKey(config, tenantId, 'cookies').toString('base64url')];
}

/** The key of the login and consent forms' CSRF tokens. */
export function tenantCsrfKey(config: Config, tenantId: string): string {
  return deriveTenantKey(config, tenantId, 'csrf').toString('base64url');
}

/** The key that seals the account page's cookies (its session, and the sign-in it started). */
export function tenantAccountCookieKey(config: Config, tenantId: string): Buffer {
  return deriveTenantKey(config, tenantId, 'account-cookie');
}
