import type { TenantDb } from '../../db/tenant-database.ts';
import { AppError, notFound } from '../../errors.ts';
import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { deleteSetting, lockSettings, readSettings, writeSetting } from './settings.repository.ts';
import { SIGNUP_MODES, parseSignupMode, type SignupMode } from './signup-mode.ts';
import { RETENTION_BOUNDS, TOKEN_LIFETIME_BOUNDS, describeSeconds, type Bound, type RetentionDays, type TokenLifetimes } from './setting-bounds.ts';
import { settingsDifference } from './settings-view.ts';
import { checkedMfaChange, mfaSettingsFrom } from './mfa-policy.ts';
import type { SettingsChange, TenantSettings } from './tenant-settings.ts';
import { applyRateLimitsChange, checkRateLimitsChange, clientsGivenBudgets, isEmptyRateLimits, storedRateLimits } from './rate-limits.ts';
import type { PlatformRateLimits } from '../../config.ts';
import { findClient } from '../clients/clients.repository.ts';
import { isBuiltinClientId } from '../clients/builtin-clients.ts';

export { SIGNUP_MODES, parseSignupMode, type SignupMode, type RetentionDays, type TokenLifetimes, type TenantSettings, type SettingsChange };
/** The change as the account flows' tests name it. */
export type TenantSettingsChanges = SettingsChange;

/**
 * A group is stored as the fields an admin set, nothing else: a field never set follows its
 * default, also when a later version changes the default.
 */
const KEYS = {
  signup: 'signup.mode',
  verifiedEmailRequired: 'signin.verified_email_required',
  magicLinks: 'signin.magic_links',
  tokenLifetimes: 'tokens.lifetimes',
  retentionDays: 'retention.days',
  rateLimits: 'rate_limits',
  mfa: 'signin.mfa',
} as const;
const ALL_KEYS = Object.values(KEYS);

type Group = 'tokenLifetimes' | 'retentionDays';
const GROUPS = {
  tokenLifetimes: { name: 'token_lifetimes', unit: 'seconds', bounds: TOKEN_LIFETIME_BOUNDS as Readonly<Record<string, Bound>> },
  retentionDays: { name: 'retention_days', unit: 'days', bounds: RETENTION_BOUNDS as Readonly<Record<string, Bound>> },
} as const;

const withinBounds = (value: unknown, bound: Bound): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= bound.min && value <= bound.max;

/** The stored fields of a group, each one that is missing or no longer within its bounds read as its default. */
function effectiveGroup(group: Group, stored: unknown): Record<string, number> {
  const fields = (stored !== null && typeof stored === 'object' ? stored : {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(GROUPS[group].bounds).map(([name, bound]) => [name, withinBounds(fields[name], bound) ? fields[name] : bound.default]));
}

/** The settings from their stored rows; a key without a row (or with `undefined`: a row to delete) takes its default. */
function settingsFrom(stored: Map<string, unknown>): TenantSettings {
  const signupValue = stored.get(KEYS.signup);
  const signup = (SIGNUP_MODES as readonly unknown[]).includes(signupValue) ? (signupValue as SignupMode) : 'disabled';
  const chosen = stored.get(KEYS.verifiedEmailRequired);
  const verifiedEmailRequiredSet = typeof chosen === 'boolean';
  return {
    signup,
    verifiedEmailRequired: verifiedEmailRequiredSet ? (chosen as boolean) : signup === 'open',
    verifiedEmailRequiredSet,
    magicLinks: stored.get(KEYS.magicLinks) === true,
    tokenLifetimes: effectiveGroup('tokenLifetimes', stored.get(KEYS.tokenLifetimes)) as TokenLifetimes,
    retentionDays: effectiveGroup('retentionDays', stored.get(KEYS.retentionDays)) as RetentionDays,
    rateLimits: storedRateLimits(stored.get(KEYS.rateLimits)),
    mfa: mfaSettingsFrom(stored.get(KEYS.mfa)),
  };
}

/** Refuses a value outside its bounds with the field's own code, naming the field and the bounds. */
function checkGroup(group: Group, change: Record<string, unknown> | undefined): void {
  const { name, unit, bounds } = GROUPS[group];
  for (const [field, value] of Object.entries(change ?? {})) {
    const bound = bounds[field];
    if (!bound) throw new AppError('invalid_setting', `${name} has no field "${field}"`);
    if (value === undefined || withinBounds(value, bound)) continue;
    const range = unit === 'seconds' ? ` (${describeSeconds(bound.min)} to ${describeSeconds(bound.max)})` : '';
    throw new AppError(bound.code, `${name}.${bound.field} must be a whole number of ${unit} from ${bound.min} to ${bound.max}${range}`);
  }
}

function definedFields(change: Record<string, number | undefined> | undefined): Record<string, number> {
  return Object.fromEntries(Object.entries(change ?? {}).filter(([, value]) => value !== undefined)) as Record<string, number>;
}

/** Read from the tenant's database (no cache) on every signup and sign-in, so a change applies at once on every node. */
export async function readTenantSettingsFrom(db: TenantDb): Promise<TenantSettings> {
  return settingsFrom(await readSettings(db, ALL_KEYS));
}

export function readTenantSettings(scope: Pick<TenantScope, 'db'>): Promise<TenantSettings> {
  return readTenantSettingsFrom(scope.db);
}

/**
 * What a node fixes when it builds the tenant's context (tenancy/tenant-context.ts): the lifetimes
 * its provider issues tokens with and its rate limits. A change of either announces `settings`.
 */
export async function readServingSettings(db: TenantDb): Promise<Pick<TenantSettings, 'tokenLifetimes' | 'rateLimits'>> {
  const { tokenLifetimes, rateLimits } = settingsFrom(await readSettings(db, [KEYS.tokenLifetimes, KEYS.rateLimits]));
  return { tokenLifetimes, rateLimits };
}

export interface UpdateOptions {
  /**
   * Judges the settings as they are, under the settings lock, before anything changes: the API's
   * If-Match (a throw refuses the change).
   */
  precondition?: (current: TenantSettings) => void;
  /** No rate limit above these (the platform's, for a tenant admin's change: rate-limits.ts). */
  rateLimitCeiling?: PlatformRateLimits;
}

/**
 * Applies a change, audited with what it changed (before and after). A change of token lifetimes
 * or rate limits is announced, so every node rebuilds the tenant's context with them; tokens
 * already issued keep the lifetime they were issued with. A change that changes nothing writes
 * nothing.
 */
export async function updateTenantSettings(scope: TenantScope, change: SettingsChange, actor: Actor, options: UpdateOptions = {}): Promise<TenantSettings> {
  const signup = change.signup === undefined ? undefined : parseSignupMode(change.signup);
  const verified = change.verifiedEmailRequired;
  if (verified !== undefined && verified !== null && typeof verified !== 'boolean') {
    throw new AppError('invalid_setting', 'verified_email_required must be true, false or null (the default)');
  }
  if (change.magicLinks !== undefined && typeof change.magicLinks !== 'boolean') throw new AppError('invalid_setting', 'magic_links must be true or false');
  checkGroup('tokenLifetimes', change.tokenLifetimes);
  checkGroup('retentionDays', change.retentionDays);
  if (change.rateLimits) checkRateLimitsChange(change.rateLimits, options.rateLimitCeiling);
  const mfa = change.mfa === undefined ? {} : checkedMfaChange(change.mfa);

  const { settings, providerChanged } = await scope.db.transaction().execute(async (trx) => {
    await lockSettings(trx);
    const stored = await readSettings(trx, ALL_KEYS);
    const before = settingsFrom(stored);
    options.precondition?.(before);
    // undefined: delete the row (the setting goes back to its default).
    const writes = new Map<string, unknown>();
    if (signup !== undefined) writes.set(KEYS.signup, signup);
    if (verified !== undefined) writes.set(KEYS.verifiedEmailRequired, verified ?? undefined);
    // Off is the default: stored as no row, so "off" reads the same whether set or never set.
    if (change.magicLinks !== undefined) writes.set(KEYS.magicLinks, change.magicLinks || undefined);
    for (const group of ['tokenLifetimes', 'retentionDays'] as const) {
      const fields = definedFields(change[group]);
      if (Object.keys(fields).length === 0) continue;
      const kept = (stored.get(KEYS[group]) ?? {}) as Record<string, unknown>;
      writes.set(KEYS[group], { ...kept, ...fields });
    }
    if (change.rateLimits) {
      for (const clientId of clientsGivenBudgets(change.rateLimits)) {
        if (!isBuiltinClientId(clientId) && !(await findClient(trx, clientId))) throw notFound('client', clientId);
      }
      const limits = applyRateLimitsChange(before.rateLimits, change.rateLimits);
      writes.set(KEYS.rateLimits, isEmptyRateLimits(limits) ? undefined : limits);
    }
    if (Object.keys(mfa).length > 0) writes.set(KEYS.mfa, { ...((stored.get(KEYS.mfa) ?? {}) as object), ...mfa });
    const after = settingsFrom(new Map([...stored, ...writes]));
    const difference = settingsDifference(before, after);
    if (!difference) return { settings: before, providerChanged: false };
    for (const [key, value] of writes) await (value === undefined ? deleteSetting(trx, key) : writeSetting(trx, key, value));
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'settings.updated', target: 'settings', details: { before: difference.before, after: difference.after } });
    // Both are fixed when a node builds the tenant's context: every node rebuilds it.
    return { settings: after, providerChanged: 'token_lifetimes' in difference.after || 'rate_limits' in difference.after };
  });
  if (providerChanged) await scope.announce('settings');
  return settings;
}
