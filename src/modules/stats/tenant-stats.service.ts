import type { TenantScope } from '../../platform/tenant-scope.ts';
import { AppError } from '../../errors.ts';
import { countTenantThings, signInsPerHour } from './tenant-stats.repository.ts';

/** How far back the hourly sign-in counts may reach: a week of hours. */
export const STATS_HOURS = Object.freeze({ min: 1, max: 168, default: 24 });

const HOUR_MS = 3_600_000;

/** A tenant at a glance, as it leaves the process (admin API `GET …/stats`). */
export interface TenantStatsView {
  users: number;
  disabled_users: number;
  clients: number;
  apis: number;
  pending_invitations: number;
  live_sessions: number;
  /** One entry per hour, oldest first, the last one the hour under way; hours without sign-ins count 0. */
  sign_ins: { hour: string; succeeded: number; failed: number }[];
}

/**
 * The counts of the console's overview and sign-ins per hour over the last `hours` hours (the
 * current one included). Every hour is listed, so a chart needs no gap filling; hours are whole
 * UTC hours, which a browser shows in its own time zone.
 */
export async function tenantStats(scope: TenantScope, input: { hours?: number; now?: Date }): Promise<TenantStatsView> {
  const hours = input.hours ?? STATS_HOURS.default;
  if (!Number.isInteger(hours) || hours < STATS_HOURS.min || hours > STATS_HOURS.max) {
    throw new AppError('invalid_request', `hours must be a whole number from ${STATS_HOURS.min} to ${STATS_HOURS.max}`);
  }
  const now = input.now ?? new Date();
  const current = Math.floor(now.getTime() / HOUR_MS);
  const first = current - hours + 1;
  const [counts, perHour] = await Promise.all([
    countTenantThings(scope.db, now),
    signInsPerHour(scope.db, new Date(first * HOUR_MS), new Date((current + 1) * HOUR_MS)),
  ]);
  const byHour = new Map(perHour.map((row) => [row.hour, row]));
  return {
    users: counts.users,
    disabled_users: counts.disabledUsers,
    clients: counts.clients,
    apis: counts.apis,
    pending_invitations: counts.pendingInvitations,
    live_sessions: counts.liveSessions,
    sign_ins: Array.from({ length: hours }, (_, index) => {
      const hour = first + index;
      const row = byHour.get(hour);
      return { hour: new Date(hour * HOUR_MS).toISOString(), succeeded: row?.succeeded ?? 0, failed: row?.failed ?? 0 };
    }),
  };
}
