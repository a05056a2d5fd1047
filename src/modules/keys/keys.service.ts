import type { Platform } from '../../platform/platform.ts';
import { withTenantDatabase } from '../../platform/tenant-access.ts';
import { publishTenantChange } from '../../platform/notifications.ts';
import { readRotationPolicy, rotateSigningKeys, type RotateOptions, type RotationOutcome, type RotationPolicy } from './key-rotation.ts';
import { listSigningKeys, type SigningKeyRow } from './signing-keys.repository.ts';

/** `tansu keys rotate`: rotate now and tell every node to rebuild the tenant's provider. */
export async function rotateTenantKeys(platform: Platform, id: string, options: RotateOptions = {}): Promise<RotationOutcome> {
  const outcome = await withTenantDatabase(platform, id, (db) => rotateSigningKeys(db, id, platform.secrets, options));
  await publishTenantChange(platform.db, { tenant: id, kind: 'keys' });
  platform.log.info({ tenant: id, activated: outcome!.activated, retired: outcome!.retired, next: outcome!.next }, 'signing keys rotated');
  return outcome!;
}

export interface KeyListing {
  policy: RotationPolicy;
  keys: Array<Pick<SigningKeyRow, 'kid' | 'alg' | 'state' | 'created_at' | 'activated_at' | 'retired_at' | 'unpublish_at'> & { published: boolean }>;
}

export async function listTenantKeys(platform: Platform, id: string): Promise<KeyListing> {
  return withTenantDatabase(platform, id, async (db) => {
    const now = Date.now();
    const rows = await listSigningKeys(db);
    return {
      policy: await readRotationPolicy(db),
      keys: rows.map(({ kid, alg, state, created_at, activated_at, retired_at, unpublish_at }) => ({
        kid, alg, state, created_at, activated_at, retired_at, unpublish_at,
        published: unpublish_at === null || unpublish_at.getTime() > now,
      })),
    };
  });
}
