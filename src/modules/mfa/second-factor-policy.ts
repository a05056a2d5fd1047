import type { MfaSettings } from '../settings/mfa-policy.ts';

/**
 * What a sign-in that passed its first factor still needs, from the tenant's policy
 * (settings/mfa-policy.ts), the account, and whether the application demands a second factor
 * (step-up, oidc/acr.ts):
 * - `verify`: the account has a factor, so it is asked for, whatever the policy (off included:
 *   a switch of policy never weakens an account); a remembered browser may skip it, unless the
 *   application demands it;
 * - `enrol`: the account has none but needs one: the policy requires it (for everyone, or for
 *   TenantAdmins), or the application demands one where the tenant offers factors;
 * - `unavailable`: the application demands a factor the tenant does not offer (policy `off`);
 * - `none`: the first factor suffices.
 */
export type SecondFactorStep = 'verify' | 'enrol' | 'unavailable' | 'none';

export interface SecondFactorSituation {
  hasFactor: boolean;
  isTenantAdmin: boolean;
  /** The application asked for the MFA authentication context class. */
  demanded: boolean;
  /** This browser passed the second factor for this account recently (remember-browser.ts). */
  remembered: boolean;
}

export function secondFactorStep(policy: MfaSettings, situation: SecondFactorSituation): SecondFactorStep {
  if (situation.hasFactor) return situation.remembered && !situation.demanded ? 'none' : 'verify';
  if (factorRequired(policy, situation.isTenantAdmin)) return 'enrol';
  if (situation.demanded) return policy.policy === 'off' ? 'unavailable' : 'enrol';
  return 'none';
}

/** Whether a user must have a factor under this policy (the password grant refuses such a user without one too). */
export function factorRequired(policy: MfaSettings, isTenantAdmin: boolean): boolean {
  return policy.policy === 'required' || (policy.requiredForTenantAdmins && isTenantAdmin);
}
