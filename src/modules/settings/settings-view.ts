import { RETENTION_BOUNDS, TOKEN_LIFETIME_BOUNDS, type Bound, type RetentionDays, type TokenLifetimes } from './setting-bounds.ts';
import type { SignupMode } from './signup-mode.ts';
import type { SettingsChange, TenantSettings } from './tenant-settings.ts';
import { rateLimitsChangeOf, rateLimitsDifference, rateLimitsView, type RateLimitsChangeView, type RateLimitsView } from './rate-limits.ts';
import type { MfaPolicy } from './mfa-policy.ts';

/** A tenant's settings as they leave the process (the admin API, `tansu tenant settings --json`): snake_case. */
export interface TenantSettingsView {
  signup: SignupMode;
  verified_email_required: boolean;
  /** True while verified_email_required follows the signup mode (on exactly when signup is open). */
  verified_email_required_is_default: boolean;
  /** Whether the login page offers a sign-in link by mail. */
  magic_links: boolean;
  token_lifetimes: { access_token: number; id_token: number; refresh_token: number; session: number };
  retention_days: { audit_events: number; login_activity: number };
  /** Requests a minute; null: the platform's budget applies. */
  rate_limits: RateLimitsView;
  mfa: { policy: MfaPolicy; required_for_tenant_admins: boolean; remember_browser_days: number };
}

type Fields = Record<string, number>;

function toView(values: Fields, bounds: Readonly<Record<string, Bound>>): Fields {
  return Object.fromEntries(Object.entries(bounds).map(([name, bound]) => [bound.field, values[name]!]));
}

function fromView(values: Partial<Fields> | undefined, bounds: Readonly<Record<string, Bound>>): Partial<Fields> | undefined {
  if (values === undefined) return undefined;
  return Object.fromEntries(Object.entries(bounds).flatMap(([name, bound]) => (values[bound.field] === undefined ? [] : [[name, values[bound.field]]])));
}

export function settingsView(settings: TenantSettings): TenantSettingsView {
  return {
    signup: settings.signup,
    verified_email_required: settings.verifiedEmailRequired,
    verified_email_required_is_default: !settings.verifiedEmailRequiredSet,
    magic_links: settings.magicLinks,
    token_lifetimes: toView(settings.tokenLifetimes, TOKEN_LIFETIME_BOUNDS) as TenantSettingsView['token_lifetimes'],
    retention_days: toView(settings.retentionDays, RETENTION_BOUNDS) as TenantSettingsView['retention_days'],
    rate_limits: rateLimitsView(settings.rateLimits),
    mfa: {
      policy: settings.mfa.policy,
      required_for_tenant_admins: settings.mfa.requiredForTenantAdmins,
      remember_browser_days: settings.mfa.rememberBrowserDays,
    },
  };
}

/** A change as callers write it (snake_case, every part optional) for updateTenantSettings. */
export interface SettingsChangeView {
  signup?: string;
  /** null: back to the default. */
  verified_email_required?: boolean | null;
  magic_links?: boolean;
  token_lifetimes?: Partial<TenantSettingsView['token_lifetimes']>;
  retention_days?: Partial<TenantSettingsView['retention_days']>;
  rate_limits?: RateLimitsChangeView;
  mfa?: { policy?: string; required_for_tenant_admins?: boolean; remember_browser_days?: number };
}

export function settingsChangeOf(view: SettingsChangeView): SettingsChange {
  return {
    signup: view.signup,
    verifiedEmailRequired: view.verified_email_required,
    magicLinks: view.magic_links,
    tokenLifetimes: fromView(view.token_lifetimes, TOKEN_LIFETIME_BOUNDS) as Partial<TokenLifetimes> | undefined,
    retentionDays: fromView(view.retention_days, RETENTION_BOUNDS) as Partial<RetentionDays> | undefined,
    rateLimits: rateLimitsChangeOf(view.rate_limits),
    mfa: view.mfa && {
      policy: view.mfa.policy,
      requiredForTenantAdmins: view.mfa.required_for_tenant_admins,
      rememberBrowserDays: view.mfa.remember_browser_days,
    },
  };
}

export interface SettingsDifference {
  before: Partial<Record<keyof TenantSettingsView, unknown>>;
  after: Partial<Record<keyof TenantSettingsView, unknown>>;
}

/** What changed, field by field, as the audit log records it; undefined when nothing did. */
export function settingsDifference(before: TenantSettings, after: TenantSettings): SettingsDifference | undefined {
  const [old, now] = [settingsView(before), settingsView(after)];
  const difference: SettingsDifference = { before: {}, after: {} };
  for (const field of ['signup', 'verified_email_required', 'verified_email_required_is_default', 'magic_links'] as const) {
    if (old[field] !== now[field]) [difference.before[field], difference.after[field]] = [old[field], now[field]];
  }
  for (const group of ['token_lifetimes', 'retention_days', 'mfa'] as const) {
    const [was, is] = [old[group] as Record<string, unknown>, now[group] as Record<string, unknown>];
    const changed = Object.keys(is).filter((field) => was[field] !== is[field]);
    if (changed.length === 0) continue;
    difference.before[group] = Object.fromEntries(changed.map((field) => [field, was[field]]));
    difference.after[group] = Object.fromEntries(changed.map((field) => [field, is[field]]));
  }
  const limits = rateLimitsDifference(before.rateLimits, after.rateLimits);
  if (limits) [difference.before.rate_limits, difference.after.rate_limits] = [limits.before, limits.after];
  return Object.keys(difference.after).length === 0 ? undefined : difference;
}
