import type { TenantDb } from '../../db/tenant-database.ts';
import { AppError } from '../../errors.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { readSetting, writeSetting } from './settings.repository.ts';

/**
 * Who may create an account through `POST /t/<id>/api/auth/signup`: anyone (`open`), holders of an
 * invitation (`invite`), or nobody (`disabled`, the default: accounts come from admins).
 */
export const SIGNUP_MODES = ['open', 'invite', 'disabled'] as const;
export type SignupMode = (typeof SIGNUP_MODES)[number];

export interface TenantSettings {
  signup: SignupMode;
}

const SIGNUP_KEY = 'signup.mode';

export function parseSignupMode(value: unknown): SignupMode {
  if (typeof value === 'string' && (SIGNUP_MODES as readonly string[]).includes(value)) return value as SignupMode;
  throw new AppError('invalid_setting', `signup must be one of ${SIGNUP_MODES.join(', ')}`);
}

/** Read on every signup request (no cache), so a change applies at once on every node. */
export async function readTenantSettings(db: TenantDb): Promise<TenantSettings> {
  const stored = await readSetting(db, SIGNUP_KEY);
  return { signup: (SIGNUP_MODES as readonly unknown[]).includes(stored) ? (stored as SignupMode) : 'disabled' };
}

export async function updateTenantSettings(db: TenantDb, changes: Partial<TenantSettings>, actor: string): Promise<TenantSettings> {
  if (changes.signup !== undefined) {
    const signup = parseSignupMode(changes.signup);
    await db.transaction().execute(async (trx) => {
      await writeSetting(trx, SIGNUP_KEY, signup);
      await recordAuditEvent(trx, { actor, action: 'settings.updated', details: { signup } });
    });
  }
  return readTenantSettings(db);
}
