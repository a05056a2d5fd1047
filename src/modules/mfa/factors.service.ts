import { notFound } from '../../errors.ts';
import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { findUserById } from '../users/users.repository.ts';
import type { MfaFactorKind } from '../../db/schema.ts';
import { deleteSecondFactorsOf, listFactorsOf, unusedRecoveryCodeCount, type FactorSummary } from './mfa.repository.ts';

/** What an admin sees of a user's second factors (the admin API, `tansu user factors`): never a secret. */
export interface FactorView {
  id: string;
  kind: MfaFactorKind;
  label: string;
  /** null while an enrolment waits for its first code. */
  confirmed_at: string | null;
  last_used_at: string | null;
  created_at: string;
}

export interface UserFactorsView {
  user_id: string;
  factors: FactorView[];
  recovery_codes_left: number;
}

export interface FactorResetView {
  user_id: string;
  factors_removed: number;
  recovery_codes_removed: number;
}

const iso = (date: Date | null) => (date === null ? null : new Date(date).toISOString());

function factorView(factor: FactorSummary): FactorView {
  return {
    id: factor.id,
    kind: factor.kind,
    label: factor.label,
    confirmed_at: iso(factor.confirmed_at),
    last_used_at: iso(factor.last_used_at),
    created_at: new Date(factor.created_at).toISOString(),
  };
}

async function existingUserId(scope: TenantScope, userId: string): Promise<string> {
  const user = await findUserById(scope.db, userId);
  if (!user) throw notFound('user', userId.slice(0, 64));
  return user.id;
}

export async function listUserFactors(scope: TenantScope, userId: string): Promise<UserFactorsView> {
  const id = await existingUserId(scope, userId);
  const [factors, left] = await Promise.all([listFactorsOf(scope.db, id), unusedRecoveryCodeCount(scope.db, id)]);
  return { user_id: id, factors: factors.map(factorView), recovery_codes_left: left };
}

/**
 * An admin's reset of a user who lost their authenticator: every factor and recovery code goes,
 * audited. Remembered browsers are forgotten with them (remember-browser.ts). Where the policy
 * requires a factor, the user sets up a new one at their next sign-in.
 */
export async function resetUserFactors(scope: TenantScope, input: { userId: string }, actor: Actor): Promise<FactorResetView> {
  const id = await existingUserId(scope, input.userId);
  return scope.db.transaction().execute(async (trx) => {
    const removed = await deleteSecondFactorsOf(trx, id);
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip,
      action: 'user.mfa_reset',
      target: id,
      details: { factors_removed: removed.factors, recovery_codes_removed: removed.recoveryCodes },
    });
    return { user_id: id, factors_removed: removed.factors, recovery_codes_removed: removed.recoveryCodes };
  });
}
