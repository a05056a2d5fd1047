import { AppError, notFound } from '../../errors.ts';
import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { readTenantSettingsFrom } from '../settings/settings.service.ts';
import { isActiveTenantAdmin } from '../users/users.repository.ts';
import { factorRequired } from './second-factor-policy.ts';
import { deleteFactor, deleteRecoveryCodesOf, findFactor, lockConfirmedFactorIds, updateFactorLabel } from './mfa.repository.ts';
import { checkedLabel } from './enrolment.service.ts';

/**
 * A user removing one of their own factors (the account page; proving it is them is the
 * caller's job). The last one cannot go where the tenant requires a factor of this user
 * (`factor_required`): the next sign-in would only ask for a new one. With the last factor go
 * the recovery codes, which stand in for a factor. Remembered browsers are forgotten by
 * themselves (remember-browser.ts fingerprints the factors). An unconfirmed enrolment may
 * always go. Audited as `user.mfa_factor_removed`.
 */
export async function removeOwnFactor(scope: TenantScope, input: { userId: string; factorId: string }, actor: Actor): Promise<{ recoveryCodesRemoved: number }> {
  return scope.db.transaction().execute(async (trx) => {
    const confirmed = await lockConfirmedFactorIds(trx, input.userId);
    const factor = await findFactor(trx, input.userId, input.factorId);
    if (!factor) throw notFound('factor', input.factorId.slice(0, 64));
    const last = factor.confirmed_at !== null && confirmed.length === 1;
    if (last) {
      const { mfa } = await readTenantSettingsFrom(trx);
      if (factorRequired(mfa, await isActiveTenantAdmin(trx, input.userId))) {
        throw new AppError('factor_required', 'this account must keep a second factor: set up another one before removing this one', 409);
      }
    }
    await deleteFactor(trx, input.userId, factor.id);
    const recoveryCodesRemoved = last ? await deleteRecoveryCodesOf(trx, input.userId) : 0;
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip,
      action: 'user.mfa_factor_removed',
      target: input.userId,
      details: { factor_id: factor.id, kind: factor.kind, label: factor.label, recovery_codes_removed: recoveryCodesRemoved },
    });
    return { recoveryCodesRemoved };
  });
}

/** A user renaming one of their own factors (how the account page lists it). Audited as `user.mfa_factor_renamed`. */
export async function renameOwnFactor(scope: TenantScope, input: { userId: string; factorId: string; label: string | undefined }, actor: Actor): Promise<void> {
  const label = checkedLabel(input.label);
  await scope.db.transaction().execute(async (trx) => {
    if (!(await updateFactorLabel(trx, input.userId, input.factorId, label))) throw notFound('factor', input.factorId.slice(0, 64));
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'user.mfa_factor_renamed', target: input.userId, details: { factor_id: input.factorId, label } });
  });
}
