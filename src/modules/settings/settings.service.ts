import type { TenantDb } from '../../db/tenant-database.ts';
import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { AppError } from '../../errors.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { deleteSetting, readSettings, writeSetting } from './settings.repository.ts';
import { SIGNUP_MODES, parseSignupMode, type SignupMode } from './signup-mode.ts';

export { SIGNUP_MODES, parseSignupMode, type SignupMode };

export interface TenantSettings {
  signup: SignupMode;
  /**
   * Whether a password sign-in needs a confirmed address (an unconfirmed account is asked to
   * confirm it first). Unless the tenant chose, on exactly when anyone may sign up (`open`):
   * then anyone could claim any address, and relying parties that ignore `email_verified`
   * would believe it.
   */
  verifiedEmailRequired: boolean;
  /** False while verifiedEmailRequired follows the signup mode; true once the tenant chose. */
  verifiedEmailRequiredSet: boolean;
}

export interface TenantSettingsChanges {
  signup?: SignupMode;
  /** null: back to the default (follow the signup mode). */
  verifiedEmailRequired?: boolean | null;
}

const SIGNUP_KEY = 'signup.mode';
const VERIFIED_EMAIL_KEY = 'signin.verified_email_required';

/** Read from the tenant's database (no cache), so a change applies at once on every node. */
export async function readTenantSettingsFrom(db: TenantDb): Promise<TenantSettings> {
  const stored = await readSettings(db, [SIGNUP_KEY, VERIFIED_EMAIL_KEY]);
  const signupValue = stored.get(SIGNUP_KEY);
  const signup = (SIGNUP_MODES as readonly unknown[]).includes(signupValue) ? (signupValue as SignupMode) : 'disabled';
  const chosen = stored.get(VERIFIED_EMAIL_KEY);
  const verifiedEmailRequiredSet = typeof chosen === 'boolean';
  return { signup, verifiedEmailRequired: verifiedEmailRequiredSet ? (chosen as boolean) : signup === 'open', verifiedEmailRequiredSet };
}

export function readTenantSettings(scope: TenantScope): Promise<TenantSettings> {
  return readTenantSettingsFrom(scope.db);
}

export async function updateTenantSettings(scope: TenantScope, changes: TenantSettingsChanges, actor: Actor): Promise<TenantSettings> {
  const signup = changes.signup === undefined ? undefined : parseSignupMode(changes.signup);
  const verified = changes.verifiedEmailRequired;
  if (verified !== undefined && verified !== null && typeof verified !== 'boolean') {
    throw new AppError('invalid_setting', 'verified_email_required must be true, false or null (the default)');
  }
  if (signup !== undefined || verified !== undefined) {
    await scope.db.transaction().execute(async (trx) => {
      if (signup !== undefined) await writeSetting(trx, SIGNUP_KEY, signup);
      if (verified === null) await deleteSetting(trx, VERIFIED_EMAIL_KEY);
      else if (verified !== undefined) await writeSetting(trx, VERIFIED_EMAIL_KEY, verified);
      const details = { ...(signup !== undefined && { signup }), ...(verified !== undefined && { verified_email_required: verified }) };
      await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'settings.updated', details });
    });
  }
  return readTenantSettings(scope);
}

/** Settings as they leave the process (`tansu tenant settings --json`): snake_case. */
export function tenantSettingsView(settings: TenantSettings) {
  return {
    signup: settings.signup,
    verified_email_required: settings.verifiedEmailRequired,
    verified_email_required_is_default: !settings.verifiedEmailRequiredSet,
  };
}
