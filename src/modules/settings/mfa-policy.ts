import { AppError } from '../../errors.ts';
import type { Bound } from './setting-bounds.ts';

/**
 * A tenant's second-factor policy (modules/mfa/ applies it at sign-in). Kept apart from the
 * service, like signup-mode.ts, so the CLI's help and the API's schemas can name the choices
 * without loading the database layer.
 *
 * - `off`: nobody is asked to set up a factor, and an application that demands one is refused
 *   for an account without one; an account that has a factor still has to use it (only an admin
 *   reset takes it away: a policy switch never weakens an account behind its owner's back);
 * - `optional` (the default): people may set up a factor; an application may demand one (step-up);
 * - `required`: everyone must: a sign-in without a factor sets one up before it finishes.
 */
export const MFA_POLICIES = ['off', 'optional', 'required'] as const;
export type MfaPolicy = (typeof MFA_POLICIES)[number];

export function parseMfaPolicy(value: unknown): MfaPolicy {
  if (typeof value === 'string' && (MFA_POLICIES as readonly string[]).includes(value)) return value as MfaPolicy;
  throw new AppError('invalid_setting', `mfa.policy must be one of ${MFA_POLICIES.join(', ')}`);
}

/**
 * Days a browser that passed the second factor may skip it (0: never). A month's default would
 * surprise a tenant that just turned MFA on, so it is off until chosen; at most a quarter, like a
 * session.
 */
export const REMEMBER_BROWSER_BOUND: Bound = Object.freeze({
  field: 'remember_browser_days',
  code: 'invalid_remember_browser_days',
  min: 0,
  max: 90,
  default: 0,
});

export interface MfaSettings {
  policy: MfaPolicy;
  /** Holders of the TenantAdmin role must have a factor, whatever `policy` says. */
  requiredForTenantAdmins: boolean;
  rememberBrowserDays: number;
}

export const DEFAULT_MFA_SETTINGS: Readonly<MfaSettings> = Object.freeze({
  policy: 'optional',
  requiredForTenantAdmins: false,
  rememberBrowserDays: REMEMBER_BROWSER_BOUND.default,
});

/** The stored value read leniently: a field missing or no longer valid takes its default. */
export function mfaSettingsFrom(stored: unknown): MfaSettings {
  const fields = (stored !== null && typeof stored === 'object' ? stored : {}) as Record<string, unknown>;
  const days = fields.rememberBrowserDays;
  return {
    policy: (MFA_POLICIES as readonly unknown[]).includes(fields.policy) ? (fields.policy as MfaPolicy) : DEFAULT_MFA_SETTINGS.policy,
    requiredForTenantAdmins: typeof fields.requiredForTenantAdmins === 'boolean' ? fields.requiredForTenantAdmins : DEFAULT_MFA_SETTINGS.requiredForTenantAdmins,
    rememberBrowserDays: rememberDaysValid(days) ? days : DEFAULT_MFA_SETTINGS.rememberBrowserDays,
  };
}

function rememberDaysValid(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= REMEMBER_BROWSER_BOUND.min && value <= REMEMBER_BROWSER_BOUND.max;
}

/** A change of some MFA settings; what is absent stays. */
export interface MfaSettingsChange {
  policy?: string;
  requiredForTenantAdmins?: boolean;
  rememberBrowserDays?: number;
}

/** The change checked, with the fields as stored; throws the field's own code for a bad value. */
export function checkedMfaChange(change: MfaSettingsChange): Partial<MfaSettings> {
  const checked: Partial<MfaSettings> = {};
  if (change.policy !== undefined) checked.policy = parseMfaPolicy(change.policy);
  if (change.requiredForTenantAdmins !== undefined) {
    if (typeof change.requiredForTenantAdmins !== 'boolean') throw new AppError('invalid_setting', 'mfa.required_for_tenant_admins must be true or false');
    checked.requiredForTenantAdmins = change.requiredForTenantAdmins;
  }
  if (change.rememberBrowserDays !== undefined) {
    const { min, max, code, field } = REMEMBER_BROWSER_BOUND;
    if (!rememberDaysValid(change.rememberBrowserDays)) throw new AppError(code, `mfa.${field} must be a whole number of days from ${min} to ${max} (0: off)`);
    checked.rememberBrowserDays = change.rememberBrowserDays;
  }
  return checked;
}
