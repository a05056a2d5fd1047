import { AppError } from '../../errors.ts';
import { actorText, type TenantScope, type Actor } from '../../platform/tenant-scope.ts';
import { mapPage, type Page, type PageRequest } from '../../db/page.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { readRotationPolicy, rotateSigningKeys, writeRotationPolicy, type RotateOptions, type RotationOutcome, type RotationPolicy } from './key-rotation.ts';
import { listSigningKeys, listSigningKeysPage, lockKeyRotation, type SigningKeyRow } from './signing-keys.repository.ts';
import { ROTATION_POLICY_DAYS } from './rotation-policy-limits.ts';
import { rotationPolicyView, type KeyListing, type ListedKey } from './key-view.ts';

/** `tansu keys rotate`, `POST …/keys/rotate`: rotate now and tell every node to rebuild the tenant's provider. */
export async function rotateTenantKeys(scope: TenantScope, options: Omit<RotateOptions, 'actor' | 'onlyIfDue'>, actor: Actor): Promise<RotationOutcome> {
  const grace = options.graceSeconds;
  if (grace !== undefined && (!Number.isFinite(grace) || grace < 0 || grace > ROTATION_POLICY_DAYS.max * 86_400)) {
    throw new AppError('invalid_rotation_policy', `grace_days must be a number of days from 0 to ${ROTATION_POLICY_DAYS.max}`);
  }
  const outcome = await rotateSigningKeys(scope.db, scope.id, scope.secrets, { ...options, actor });
  await scope.announce('keys');
  return outcome!;
}

export interface PolicyUpdateOptions {
  /** Judges the policy as it is, under the rotation lock, before it changes: the API's If-Match. */
  precondition?: (current: RotationPolicy) => void;
}

/**
 * `tansu keys policy`, `PUT …/keys/policy`: the schedule rotates by it. Changed under the rotation
 * lock, so a rotation in progress finishes under the policy it started with; audited with the
 * policy before and after, and announced as a change of the tenant's keys.
 */
export async function setRotationPolicy(scope: TenantScope, change: Partial<RotationPolicy>, actor: Actor, options: PolicyUpdateOptions = {}): Promise<RotationPolicy> {
  const policy = await scope.db.transaction().execute(async (trx) => {
    await lockKeyRotation(trx);
    const before = await readRotationPolicy(trx);
    options.precondition?.(before);
    const after = await writeRotationPolicy(trx, change);
    if (before.rotateEveryDays !== after.rotateEveryDays || before.graceDays !== after.graceDays) {
      await recordAuditEvent(trx, {
        actor: actorText(actor),
        ip: actor.ip,
        action: 'signing_keys.policy_updated',
        target: 'rotation_policy',
        details: { before: rotationPolicyView(before), after: rotationPolicyView(after) },
      });
    }
    return after;
  });
  await scope.announce('keys');
  return policy;
}

export function readTenantRotationPolicy(scope: TenantScope): Promise<RotationPolicy> {
  return readRotationPolicy(scope.db);
}

export type { KeyListing, ListedKey };

function listedKey({ kid, alg, state, created_at, activated_at, retired_at, unpublish_at }: SigningKeyRow, now: number): ListedKey {
  return { kid, alg, state, created_at, activated_at, retired_at, unpublish_at, published: unpublish_at === null || unpublish_at.getTime() > now };
}

export async function listTenantKeys(scope: TenantScope): Promise<KeyListing> {
  const now = Date.now();
  const rows = await listSigningKeys(scope.db);
  return { policy: await readRotationPolicy(scope.db), keys: rows.map((row) => listedKey(row, now)) };
}

/** The keys a page at a time, newest first (the admin API's list). */
export async function listTenantKeyPage(scope: TenantScope, page: PageRequest): Promise<Page<ListedKey>> {
  const now = Date.now();
  return mapPage(await listSigningKeysPage(scope.db, page), (row) => listedKey(row, now));
}
