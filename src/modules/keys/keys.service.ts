import type { TenantScope, Actor } from '../../platform/tenant-scope.ts';
import { readRotationPolicy, rotateSigningKeys, writeRotationPolicy, type RotateOptions, type RotationOutcome, type RotationPolicy } from './key-rotation.ts';
import { listSigningKeys, type SigningKeyRow } from './signing-keys.repository.ts';

/** `tansu keys rotate`: rotate now and tell every node to rebuild the tenant's provider. */
export async function rotateTenantKeys(scope: TenantScope, options: Omit<RotateOptions, 'actor' | 'onlyIfDue'>, actor: Actor): Promise<RotationOutcome> {
  const outcome = await rotateSigningKeys(scope.db, scope.id, scope.secrets, { ...options, actor });
  await scope.announce('keys');
  return outcome!;
}

/** `tansu keys policy`: the schedule rotates by it; announced as a change of the tenant's keys. */
export async function setRotationPolicy(scope: TenantScope, change: Partial<RotationPolicy>): Promise<RotationPolicy> {
  const policy = await writeRotationPolicy(scope.db, change);
  await scope.announce('keys');
  return policy;
}

export interface KeyListing {
  policy: RotationPolicy;
  keys: Array<Pick<SigningKeyRow, 'kid' | 'alg' | 'state' | 'created_at' | 'activated_at' | 'retired_at' | 'unpublish_at'> & { published: boolean }>;
}

export async function listTenantKeys(scope: TenantScope): Promise<KeyListing> {
  const now = Date.now();
  const rows = await listSigningKeys(scope.db);
  return {
    policy: await readRotationPolicy(scope.db),
    keys: rows.map(({ kid, alg, state, created_at, activated_at, retired_at, unpublish_at }) => ({
      kid, alg, state, created_at, activated_at, retired_at, unpublish_at,
      published: unpublish_at === null || unpublish_at.getTime() > now,
    })),
  };
}
