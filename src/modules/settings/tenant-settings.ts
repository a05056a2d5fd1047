import type { RetentionDays, TokenLifetimes } from './setting-bounds.ts';
import type { SignupMode } from './signup-mode.ts';

/** A tenant's settings as the service reads them: every field has a value (its default when never set). */
export interface TenantSettings {
  signup: SignupMode;
  tokenLifetimes: TokenLifetimes;
  retentionDays: RetentionDays;
}

/** A change of some settings; what is absent stays as it is. */
export interface SettingsChange {
  signup?: string;
  tokenLifetimes?: Partial<TokenLifetimes>;
  retentionDays?: Partial<RetentionDays>;
}
