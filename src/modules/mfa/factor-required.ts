import type { TenantDb } from '../../db/tenant-database.ts';
import { readTenantSettingsFrom } from '../settings/settings.service.ts';
import { isActiveTenantAdmin } from '../users/users.repository.ts';
import { hasConfirmedFactor } from './mfa.repository.ts';

/**
 * Whether signing this user in takes a second factor, whatever asks: they have one, or the
 * tenant requires one of them. What a way of signing in that cannot ask for a code (the password
 * grant) must refuse. Reads the policy and the roles only for a user without a factor.
 */
export async function secondFactorNeeded(db: TenantDb, userId: string): Promise<boolean> {
  if (await hasConfirmedFactor(db, userId)) return true;
  const { mfa } = await readTenantSettingsFrom(db);
  if (mfa.policy === 'required') return true;
  return mfa.requiredForTenantAdmins && (await isActiveTenantAdmin(db, userId));
}
