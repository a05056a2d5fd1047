import type { PlatformRateLimits } from '../../config.ts';
import { AppError } from '../../errors.ts';

/**
 * A tenant's rate limits (docs/architecture.md#rate-limits): budgets in requests a minute, each
 * either the tenant's own or, never set, the platform's (RATE_LIMIT_* on the servers). Kept apart
 * from the service so the CLI's help and the API's schemas can name them without the database.
 */
export type RateLimitName = keyof PlatformRateLimits;

/** Each budget as callers name it (API and JSON), and what it counts. */
export const RATE_LIMIT_BUDGETS: Readonly<Record<RateLimitName, { field: string; counts: string }>> = Object.freeze({
  token: { field: 'token', counts: 'token endpoint requests, all clients together' },
  tokenPerClient: { field: 'token_per_client', counts: 'token endpoint requests of each client without a budget of its own (clients)' },
  authorization: { field: 'authorization', counts: 'authorization endpoint requests, all clients together' },
  authorizationPerClient: { field: 'authorization_per_client', counts: 'authorization endpoint requests of each client' },
  api: { field: 'api', counts: 'signup API and admin API requests together' },
});

export const RATE_LIMIT_NAMES = Object.keys(RATE_LIMIT_BUDGETS) as RateLimitName[];
export const RATE_LIMIT_MIN = 1;
export const RATE_LIMIT_MAX = 10_000_000;

/** What a tenant set: a budget never set is absent and follows the platform's. */
export interface TenantRateLimits {
  budgets: Partial<Record<RateLimitName, number>>;
  /** Token endpoint budgets of single clients, by client id, each in place of `tokenPerClient`. */
  clients: Record<string, number>;
}

/** A change: a number sets a budget, null gives it back to the platform's (a client's: to `tokenPerClient`). */
export interface RateLimitsChange {
  budgets?: Partial<Record<RateLimitName, number | null>>;
  clients?: Record<string, number | null>;
}

/** The budgets a request is judged against: the tenant's own, else the platform's; 0 means none. */
export interface RateBudgets extends PlatformRateLimits {
  clients: ReadonlyMap<string, number>;
}

const withinBounds = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= RATE_LIMIT_MIN && value <= RATE_LIMIT_MAX;

const record = (value: unknown): Record<string, unknown> => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

/** The stored row, anything out of bounds dropped (it then follows the default). */
export function storedRateLimits(stored: unknown): TenantRateLimits {
  const row = record(stored);
  const budgets = record(row.budgets);
  return {
    budgets: Object.fromEntries(RATE_LIMIT_NAMES.filter((name) => withinBounds(budgets[name])).map((name) => [name, budgets[name]])),
    clients: Object.fromEntries(Object.entries(record(row.clients)).filter(([, value]) => withinBounds(value))) as Record<string, number>,
  };
}

export function effectiveRateBudgets(own: TenantRateLimits, defaults: PlatformRateLimits): RateBudgets {
  const budgets = Object.fromEntries(RATE_LIMIT_NAMES.map((name) => [name, own.budgets[name] ?? defaults[name]])) as unknown as PlatformRateLimits;
  return { ...budgets, clients: new Map(Object.entries(own.clients)) };
}

function describe(path: string): string {
  return `rate_limits.${path} must be a whole number of requests a minute from ${RATE_LIMIT_MIN} to ${RATE_LIMIT_MAX}, or null for the default`;
}

/**
 * Refuses a value out of bounds (`invalid_rate_limit`) and, given the platform's budgets as a
 * ceiling (a tenant admin's change through the admin API), a budget above the platform's: the
 * platform's budgets keep one tenant from crowding out the others, so only the operator
 * (`tansu tenant settings`) raises a tenant past them.
 */
export function checkRateLimitsChange(change: RateLimitsChange, ceiling?: PlatformRateLimits): void {
  const above = (path: string, value: number, limit: number) => {
    if (ceiling && limit > 0 && value > limit) {
      throw new AppError('rate_limit_above_platform_default', `rate_limits.${path} may be at most the platform's ${limit} a minute; the operator can set more (tansu tenant settings)`, 403);
    }
  };
  for (const [name, value] of Object.entries(change.budgets ?? {}) as Array<[RateLimitName, number | null | undefined]>) {
    const budget = RATE_LIMIT_BUDGETS[name];
    if (!budget) throw new AppError('invalid_setting', `rate_limits has no field "${name}"`);
    if (value === null || value === undefined) continue;
    if (!withinBounds(value)) throw new AppError('invalid_rate_limit', describe(budget.field));
    above(budget.field, value, ceiling?.[name] ?? 0);
  }
  for (const [clientId, value] of Object.entries(change.clients ?? {})) {
    if (value === null) continue;
    if (!withinBounds(value)) throw new AppError('invalid_rate_limit', describe(`clients.${clientId}`));
    above(`clients.${clientId}`, value, ceiling?.tokenPerClient ?? 0);
  }
}

/** The client ids a change gives a budget to (they must name clients of the tenant). */
export function clientsGivenBudgets(change: RateLimitsChange): string[] {
  return Object.entries(change.clients ?? {}).flatMap(([clientId, value]) => (value === null ? [] : [clientId]));
}

export function applyRateLimitsChange(current: TenantRateLimits, change: RateLimitsChange): TenantRateLimits {
  const budgets = { ...current.budgets };
  for (const [name, value] of Object.entries(change.budgets ?? {}) as Array<[RateLimitName, number | null | undefined]>) {
    if (value === null) delete budgets[name];
    else if (value !== undefined) budgets[name] = value;
  }
  const clients = { ...current.clients };
  for (const [clientId, value] of Object.entries(change.clients ?? {})) {
    if (value === null) delete clients[clientId];
    else clients[clientId] = value;
  }
  return { budgets, clients };
}

export const isEmptyRateLimits = (limits: TenantRateLimits) => Object.keys(limits.budgets).length === 0 && Object.keys(limits.clients).length === 0;

/** As it leaves the process: every budget named, null where the platform's applies; clients sorted by id. */
export type RateLimitsView = Record<string, number | null | Record<string, number>> & { clients: Record<string, number> };

export function rateLimitsView(limits: TenantRateLimits): RateLimitsView {
  const view: Record<string, unknown> = {};
  for (const name of RATE_LIMIT_NAMES) view[RATE_LIMIT_BUDGETS[name].field] = limits.budgets[name] ?? null;
  view.clients = Object.fromEntries(Object.entries(limits.clients).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return view as RateLimitsView;
}

/** A change as callers write it (snake_case): each budget a number or null, and `clients`. */
export type RateLimitsChangeView = Record<string, unknown>;

export function rateLimitsChangeOf(view: RateLimitsChangeView | undefined): RateLimitsChange | undefined {
  if (view === undefined) return undefined;
  const budgets: Partial<Record<RateLimitName, number | null>> = {};
  for (const [field, value] of Object.entries(view)) {
    if (field === 'clients') continue;
    const name = RATE_LIMIT_NAMES.find((candidate) => RATE_LIMIT_BUDGETS[candidate].field === field);
    if (!name) throw new AppError('invalid_setting', `rate_limits has no field "${field}"`);
    budgets[name] = value as number | null;
  }
  return { budgets, clients: view.clients === undefined ? undefined : (record(view.clients) as Record<string, number | null>) };
}

/** What changed, for the audit log: the budgets that differ, and the clients whose budget differs (null: none of its own). */
export function rateLimitsDifference(before: TenantRateLimits, after: TenantRateLimits): { before: Record<string, unknown>; after: Record<string, unknown> } | undefined {
  const [old, now] = [rateLimitsView(before), rateLimitsView(after)];
  const difference = { before: {} as Record<string, unknown>, after: {} as Record<string, unknown> };
  for (const name of RATE_LIMIT_NAMES) {
    const field = RATE_LIMIT_BUDGETS[name].field;
    if (old[field] !== now[field]) [difference.before[field], difference.after[field]] = [old[field], now[field]];
  }
  const clientIds = [...new Set([...Object.keys(old.clients), ...Object.keys(now.clients)])].filter((id) => old.clients[id] !== now.clients[id]).sort();
  if (clientIds.length > 0) {
    difference.before.clients = Object.fromEntries(clientIds.map((id) => [id, old.clients[id] ?? null]));
    difference.after.clients = Object.fromEntries(clientIds.map((id) => [id, now.clients[id] ?? null]));
  }
  return Object.keys(difference.after).length === 0 ? undefined : difference;
}
