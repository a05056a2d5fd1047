import type { TenantDb } from '../../db/tenant-database.ts';
import type { SecretBox } from '../../crypto/secret-box.ts';
import { AppError } from '../../errors.ts';
import { actorText, PLATFORM_ACTOR, type Actor } from '../../platform/tenant-scope.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { readSetting, writeSetting } from '../settings/settings.repository.ts';
import { generateSigningKey, type GeneratedKey, type SigningAlg } from './signing-keys.ts';
import {
  activateSigningKey, hasNextKey, insertSigningKey, listSigningKeysOf, lockKeyRotation, removeUnpublishedKeys, retireSigningKey,
} from './signing-keys.repository.ts';
import { ROTATION_POLICY_DAYS } from './rotation-policy-limits.ts';

/**
 * Key life cycle (docs/architecture.md#keys-and-secrets): next (published, not signing) → active (signs) → retired (still
 * published until `unpublish_at`, so tokens it signed keep verifying) → removed (row deleted).
 * A rotation does three things at once: next becomes active, the active key retires, a fresh
 * next key is published.
 */
export interface RotationPolicy {
  /** Rotate automatically when the active key is this old. */
  rotateEveryDays: number;
  /** How long a retired key stays published. */
  graceDays: number;
}

export const DEFAULT_ROTATION_POLICY: Readonly<RotationPolicy> = Object.freeze({ rotateEveryDays: 30, graceDays: 7 });
export const ROTATION_POLICY_SETTING = 'signing_keys.rotation';
const DAY_MS = 86_400_000;

export async function readRotationPolicy(db: TenantDb): Promise<RotationPolicy> {
  const stored = ((await readSetting(db, ROTATION_POLICY_SETTING)) ?? {}) as Partial<RotationPolicy>;
  return {
    rotateEveryDays: typeof stored.rotateEveryDays === 'number' ? stored.rotateEveryDays : DEFAULT_ROTATION_POLICY.rotateEveryDays,
    graceDays: typeof stored.graceDays === 'number' ? stored.graceDays : DEFAULT_ROTATION_POLICY.graceDays,
  };
}

/** The policy's fields as callers name them (JSON and API fields; the CLI checks its own flags first). */
const FIELD_NAMES: Readonly<Record<keyof RotationPolicy, string>> = { rotateEveryDays: 'rotate_every_days', graceDays: 'grace_days' };

export async function writeRotationPolicy(db: TenantDb, change: Partial<RotationPolicy>): Promise<RotationPolicy> {
  for (const [name, value] of Object.entries(change) as [keyof RotationPolicy, number | undefined][]) {
    const min = name === 'rotateEveryDays' ? ROTATION_POLICY_DAYS.minRotateEvery : 0;
    if (value !== undefined && (!Number.isFinite(value) || value < min || value > ROTATION_POLICY_DAYS.max)) {
      throw new AppError('invalid_rotation_policy', `${FIELD_NAMES[name]} must be a number of days from ${min} to ${ROTATION_POLICY_DAYS.max}`);
    }
  }
  const policy = { ...(await readRotationPolicy(db)), ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) };
  await writeSetting(db, ROTATION_POLICY_SETTING, policy);
  return policy;
}

export interface RotationOutcome {
  activated: string;
  retired: string | undefined;
  next: string;
  unpublishAt: Date | undefined;
  /** Retired keys past their grace period that were removed. */
  removed: string[];
}

export interface RotateOptions {
  alg?: SigningAlg;
  /** Overrides the tenant's grace period for the key retired now. */
  graceSeconds?: number;
  /** Scheduled rotation: only rotate when the active key is older than the policy allows. */
  onlyIfDue?: boolean;
  /** Who rotated, for the audit log (default: the platform). */
  actor?: Actor;
}

/** Rotates one tenant's keys; undefined when `onlyIfDue` and nothing was due. */
export async function rotateSigningKeys(db: TenantDb, tenantId: string, secrets: SecretBox, options: RotateOptions = {}): Promise<RotationOutcome | undefined> {
  const alg = options.alg ?? 'RS256';
  // Key generation (tens of ms for RSA) happens outside the transaction and its lock.
  let fresh: Promise<GeneratedKey> | undefined;
  const freshKey = () => (fresh ??= generateSigningKey(tenantId, alg, secrets));
  if (!options.onlyIfDue) void freshKey().catch(() => {});

  return db.transaction().execute(async (trx) => {
    await lockKeyRotation(trx);
    const now = new Date();
    const policy = await readRotationPolicy(trx);
    const keys = await listSigningKeysOf(trx, alg);
    const active = keys.find((k) => k.state === 'active');
    if (options.onlyIfDue && active?.activated_at && now.getTime() - active.activated_at.getTime() < policy.rotateEveryDays * DAY_MS) {
      return undefined;
    }

    // Normally the oldest `next` key, published since the previous rotation; a tenant that has
    // none (created before key rotation existed) activates a fresh key at once.
    let promoted = keys.find((k) => k.state === 'next')?.kid;
    if (!promoted) {
      const immediate = await generateSigningKey(tenantId, alg, secrets);
      await insertSigningKey(trx, immediate, 'next');
      promoted = immediate.kid;
    }
    const graceMs = options.graceSeconds !== undefined ? options.graceSeconds * 1000 : policy.graceDays * DAY_MS;
    const unpublishAt = active ? new Date(now.getTime() + graceMs) : undefined;
    if (active) await retireSigningKey(trx, active.kid, now, unpublishAt);
    await activateSigningKey(trx, promoted, now);
    const next = await freshKey();
    await insertSigningKey(trx, next, 'next');
    const removed = await removeUnpublishedKeys(trx, now);
    const actor = options.actor ?? PLATFORM_ACTOR;
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip,
      action: 'signing_keys.rotated',
      target: promoted,
      details: { retired: active?.kid ?? null, next: next.kid, unpublishAt: unpublishAt?.toISOString() ?? null, removed },
    });
    return { activated: promoted, retired: active?.kid, next: next.kid, unpublishAt, removed };
  });
}

/**
 * Publishes a `next` key when a tenant has none (tenants created before key rotation existed), so
 * resource servers learn it before it signs. Returns its kid, or undefined when one existed.
 */
export async function ensureNextKey(db: TenantDb, tenantId: string, secrets: SecretBox, alg: SigningAlg = 'RS256'): Promise<string | undefined> {
  if (await hasNextKey(db, alg)) return undefined;
  const key = await generateSigningKey(tenantId, alg, secrets);
  return db.transaction().execute(async (trx) => {
    await lockKeyRotation(trx);
    if (await hasNextKey(trx, alg)) return undefined;
    await insertSigningKey(trx, key, 'next');
    return key.kid;
  });
}
