import type { RetentionDays, TokenLifetimes } from './setting-bounds.ts';
import type { SignupMode } from './signup-mode.ts';
import type { RateLimitsChange, TenantRateLimits } from './rate-limits.ts';
import type { MfaSettings, MfaSettingsChange } from './mfa-policy.ts';

/** A tenant's settings as the service reads them: every field has a value (its default when never set). */
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
  /**
   * Whether the login page offers "Email me a sign-in link" (routes/interactions/magic-link.ts).
   * Off unless the tenant turns it on: it makes the mailbox alone enough to sign in.
   */
  magicLinks: boolean;
  tokenLifetimes: TokenLifetimes;
  retentionDays: RetentionDays;
  /** The budgets the tenant set; the others follow the platform's (rate-limits.ts). */
  rateLimits: TenantRateLimits;
  /** Second factors: the policy, TenantAdmins, remembered browsers (mfa-policy.ts). */
  mfa: MfaSettings;
}

/** A change of some settings; what is absent stays as it is. */
export interface SettingsChange {
  signup?: string;
  /** null: back to the default (follow the signup mode). */
  verifiedEmailRequired?: boolean | null;
  magicLinks?: boolean;
  tokenLifetimes?: Partial<TokenLifetimes>;
  retentionDays?: Partial<RetentionDays>;
  rateLimits?: RateLimitsChange;
  mfa?: MfaSettingsChange;
}
