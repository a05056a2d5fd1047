import type { TenantScope } from '../../platform/tenant-scope.ts';
import { readTenantSettings } from '../settings/settings.service.ts';
import { deleteLoginAttemptsOlderThan } from '../users/login-attempts.repository.ts';
import { deleteAuditEventsOlderThan } from './audit.repository.ts';

export interface RetentionOutcome {
  auditEvents: number;
  loginAttempts: number;
}

/**
 * Deletes audit events and sign-in activity older than the tenant's retention (settings:
 * `retention_days`). Run by the key-rotation sweep for every tenant and by each node for the
 * tenants it served lately, next to the expired provider rows.
 */
export async function deleteHistoryPastRetention(scope: Pick<TenantScope, 'db'>): Promise<RetentionOutcome> {
  const { retentionDays } = await readTenantSettings(scope);
  return {
    auditEvents: await deleteAuditEventsOlderThan(scope.db, retentionDays.auditEvents),
    loginAttempts: await deleteLoginAttemptsOlderThan(scope.db, retentionDays.loginActivity),
  };
}
