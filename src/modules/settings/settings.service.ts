import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { readSetting, writeSetting } from './settings.repository.ts';
import { SIGNUP_MODES, parseSignupMode, type SignupMode } from './signup-mode.ts';

export { SIGNUP_MODES, parseSignupMode, type SignupMode };

export interface TenantSettings {
  signup: SignupMode;
}

const SIGNUP_KEY = 'signup.mode';

/** Read on every signup request (no cache), so a change applies at once on every node. */
export async function readTenantSettings(scope: TenantScope): Promise<TenantSettings> {
  const stored = await readSetting(scope.db, SIGNUP_KEY);
  return { signup: (SIGNUP_MODES as readonly unknown[]).includes(stored) ? (stored as SignupMode) : 'disabled' };
}

export async function updateTenantSettings(scope: TenantScope, changes: Partial<TenantSettings>, actor: Actor): Promise<TenantSettings> {
  if (changes.signup !== undefined) {
    const signup = parseSignupMode(changes.signup);
    await scope.db.transaction().execute(async (trx) => {
      await writeSetting(trx, SIGNUP_KEY, signup);
      await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'settings.updated', details: { signup } });
    });
  }
  return readTenantSettings(scope);
}
