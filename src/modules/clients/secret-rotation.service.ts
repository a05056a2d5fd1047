import { AppError } from '../../errors.ts';
import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { updateClientRow } from './clients.repository.ts';
import { generateClientSecret, hashClientSecret } from './client-secret.ts';
import { usesClientSecret } from './client-rules.ts';
import { changeClient, type ClientCheck } from './client-change.ts';
import type { ClientState } from './client-view.ts';
import { SECRET_GRACE_DAYS } from './secret-grace.ts';

export { SECRET_GRACE_DAYS };

export interface RotatedSecret {
  client: ClientState;
  /** Shown once, stored as SHA-256 like the first one. */
  clientSecret: string;
}

export function checkGraceDays(days: unknown): number {
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 0 || days > SECRET_GRACE_DAYS.max) {
    throw new AppError('invalid_grace_days', `grace_days must be a whole number of days from 0 to ${SECRET_GRACE_DAYS.max}`);
  }
  return days;
}

/**
 * Gives a secret-based client a new secret. With a grace period the secret it replaces stays valid
 * until the period ends, so the servers that hold it can be switched over one by one; without one
 * (the default) it stops working at once, as after a leak. Only one old secret is kept: rotating
 * again ends the grace of the one before.
 */
export function rotateClientSecret(scope: TenantScope, clientId: string, input: { graceDays?: number }, actor: Actor, check?: ClientCheck): Promise<RotatedSecret> {
  const graceDays = checkGraceDays(input.graceDays ?? SECRET_GRACE_DAYS.default);
  return changeClient(scope, clientId, check, async (trx, current) => {
    const { row } = current;
    if (!usesClientSecret(row.token_endpoint_auth_method) || !row.secret_hash) {
      throw new AppError('client_secret_not_used', `client "${clientId}" authenticates with ${row.token_endpoint_auth_method}, not with a client secret`, 409);
    }
    const secret = generateClientSecret();
    const previousExpiresAt = graceDays > 0 ? new Date(Date.now() + graceDays * 24 * 60 * 60 * 1000) : null;
    const updated = await updateClientRow(trx, clientId, {
      secret_hash: hashClientSecret(secret),
      previous_secret_hash: previousExpiresAt ? row.secret_hash : null,
      previous_secret_expires_at: previousExpiresAt,
    });
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip,
      action: 'client.secret_rotated',
      target: clientId,
      details: { grace_days: graceDays, previous_secret_expires_at: previousExpiresAt?.toISOString() ?? null },
    });
    return { client: { row: updated, grantedApis: current.grantedApis }, clientSecret: secret };
  });
}
