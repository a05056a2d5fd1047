import type { Platform } from './platform.ts';

/** A tenant's issuer: the platform's public URL (public-url.ts) and the tenant's path. */
export function issuerOf(platform: Pick<Platform, 'publicUrl'>, tenantId: string): string {
  return `${platform.publicUrl}/t/${tenantId}`;
}
