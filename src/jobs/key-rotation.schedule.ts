import { sql } from 'kysely';
import type { Platform } from '../platform/platform.ts';
import { listTenants } from '../platform/tenants.repository.ts';
import { statusesFor } from '../platform/tenant-lifecycle.ts';
import { withTenantScope } from '../platform/tenant-access.ts';
import { SCHEDULE_ACTOR } from '../platform/tenant-scope.ts';
import { ensureNextKey, rotateSigningKeys } from '../modules/keys/key-rotation.ts';
import { removeUnpublishedKeys } from '../modules/keys/signing-keys.repository.ts';
import { deleteExpiredPayloads } from '../oidc/adapter.ts';
import { deleteHistoryPastRetention } from '../modules/audit/retention.ts';
import { deleteExpiredEmailTokens } from '../modules/users/email-tokens.repository.ts';
import { deleteExpiredUpstreamSignIns } from '../modules/connections/upstream-sign-ins.repository.ts';
import { deleteExpiredSamlAssertions } from '../modules/connections/saml-assertions.repository.ts';

export interface SweepResult {
  /** False when another node held the sweep lock. */
  ran: boolean;
  rotated: string[];
  pruned: string[];
  /** Tenants that had no `next` key and got one. */
  nextAdded: string[];
  /** Expired provider rows, and audit events and sign-in activity past the tenant's retention, deleted across the fleet. */
  expiredRowsDeleted: number;
  failed: Array<{ tenant: string; error: string }>;
}

// Only one node sweeps at a time: a transaction-level try-lock on the platform database, held
// while the sweep runs (works through a transaction-mode pooler, unlike a session lock).
const SWEEP_LOCK_CLASS = 7_411_002;
const SWEEP_LOCK = 2;

/**
 * One pass over every active tenant: rotate keys that are due under the tenant's policy and drop
 * retired keys past their grace period, then notify nodes for each tenant that changed. The same
 * visit deletes expired rows and history past the tenant's retention, so tenants no node has
 * served lately are cleaned up too (nodes clean the tenants they serve more often: oidc.routes.ts).
 */
export async function sweepKeyRotations(platform: Platform, options: { concurrency?: number } = {}): Promise<SweepResult> {
  const result: SweepResult = { ran: false, rotated: [], pruned: [], nextAdded: [], expiredRowsDeleted: 0, failed: [] };
  await platform.db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(${SWEEP_LOCK_CLASS}, ${SWEEP_LOCK}) AS locked`.execute(trx);
    if (!rows[0]?.locked) return;
    result.ran = true;
    const tenants = await listTenants(platform.db, { statuses: statusesFor('command') });
    let index = 0;
    const worker = async () => {
      while (index < tenants.length) {
        const tenant = tenants[index++]!;
        try {
          await withTenantScope(platform, tenant.id, async (scope) => {
            const { id, db, secrets, announce } = scope;
            const history = await deleteHistoryPastRetention(scope);
            const expired =
              (await deleteExpiredPayloads(db)) + history.auditEvents + history.loginAttempts + (await deleteExpiredEmailTokens(db)) + (await deleteExpiredUpstreamSignIns(db)) + (await deleteExpiredSamlAssertions(db));
            // Added once counted: `total += await …` would read the total before the await, and lose what other workers added meanwhile.
            result.expiredRowsDeleted += expired;
            const rotated = await rotateSigningKeys(db, id, secrets, { onlyIfDue: true, actor: SCHEDULE_ACTOR });
            const added = rotated ? undefined : await ensureNextKey(db, id, secrets);
            const pruned = rotated ? [] : await removeUnpublishedKeys(db);
            if (rotated) result.rotated.push(id);
            if (added) result.nextAdded.push(id);
            if (pruned.length > 0) result.pruned.push(id);
            if (rotated || added || pruned.length > 0) await announce('keys');
          });
        } catch (error) {
          result.failed.push({ tenant: tenant.id, error: (error as Error).message });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, tenants.length) }, worker));
  });
  if (result.ran) {
    const { rotated, pruned, nextAdded, expiredRowsDeleted, failed } = result;
    platform.log.info({ rotated: rotated.length, pruned: pruned.length, nextAdded: nextAdded.length, expiredRowsDeleted, failed }, 'key rotation sweep done');
  }
  return result;
}

export interface KeyRotationSchedule {
  stop(): Promise<void>;
}

/** Sweeps every `intervalSeconds` (first one after a random part of a minute, so nodes spread out). */
export function startKeyRotationSchedule(platform: Platform, intervalSeconds: number): KeyRotationSchedule {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const schedule = (delayMs: number) => {
    timer = setTimeout(() => {
      running = sweepKeyRotations(platform)
        .catch((error: Error) => platform.log.error({ err: error.message }, 'key rotation sweep failed'))
        .finally(() => {
          if (!stopped) schedule(intervalSeconds * 1000);
        });
    }, delayMs);
    timer.unref();
  };
  schedule(10_000 + Math.random() * 50_000);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
