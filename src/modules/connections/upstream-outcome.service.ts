import type { TenantScope } from '../../platform/tenant-scope.ts';
import { recordConnectionSignIn } from '../users/login-attempts.repository.ts';
import { markEmailVerified } from '../users/users.repository.ts';
import { identifierHash } from '../users/login-throttle.ts';
import type { TenantLoginKeys } from '../users/login-keys.ts';
import { consumeOutcome, findPendingOutcome } from './upstream-sign-ins.repository.ts';
import { connectionActor, linkIdentity, type UpstreamOutcome } from './upstream-sign-in.service.ts';
import { UpstreamRefused } from './upstream-refusal.ts';

/**
 * The second half of a trip, inside the interaction it belongs to (the route has checked the
 * browser holds that interaction's cookie): what the callback found, taken once.
 */

const TRIP = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const usedOrExpired = () =>
  new UpstreamRefused('unknown_state', 400, 'This sign-in step was already used or has expired. Start the sign-in again.');

/** The outcome waiting for this interaction, read only (a page may show it twice). */
export async function pendingUpstreamOutcome(scope: TenantScope, tripId: string, interactionUid: string): Promise<UpstreamOutcome> {
  const trip = TRIP.test(tripId) ? await findPendingOutcome(scope.db, tripId, interactionUid) : undefined;
  if (!trip) throw usedOrExpired();
  return trip.outcome as UpstreamOutcome;
}

/** Takes the outcome to finish with; of two tabs finishing one trip, one gets it. */
export async function takeUpstreamOutcome(scope: TenantScope, tripId: string, interactionUid: string): Promise<UpstreamOutcome> {
  const trip = TRIP.test(tripId) ? await consumeOutcome(scope.db, tripId, interactionUid) : undefined;
  if (!trip) throw usedOrExpired();
  return trip.outcome as UpstreamOutcome;
}

/**
 * The person proved the local account's password: the upstream account is linked to it now, in
 * the same transaction that takes the trip, so a replay links nothing twice. Where the provider
 * confirmed the account's own address, the account's address counts as confirmed from now on.
 */
export async function linkAfterPassword(scope: TenantScope, tripId: string, interactionUid: string, ip: string): Promise<UpstreamOutcome> {
  return scope.db.transaction().execute(async (trx) => {
    const trip = TRIP.test(tripId) ? await consumeOutcome(trx, tripId, interactionUid) : undefined;
    const outcome = trip?.outcome as UpstreamOutcome | undefined;
    if (!trip || outcome?.kind !== 'link_required') throw usedOrExpired();
    await linkIdentity(
      trx,
      { id: outcome.provider_id, name: outcome.connection },
      { userId: outcome.user_id, subject: outcome.subject, email: outcome.upstream_email },
      connectionActor(outcome.connection, ip),
      'password',
    );
    if (outcome.confirms_email) await markEmailVerified(trx, outcome.user_id, outcome.email);
    return outcome;
  });
}

/** The sign-in in the tenant's login activity, naming the connection. */
export function recordUpstreamSignIn(scope: TenantScope, keys: TenantLoginKeys, signIn: { userId: string; email: string; connection: string; ip: string }): Promise<void> {
  return recordConnectionSignIn(scope.db, {
    identifierHash: identifierHash(keys, signIn.email),
    ip: signIn.ip,
    userId: signIn.userId,
    connection: signIn.connection,
  });
}
