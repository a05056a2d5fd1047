import type { ServerResponse } from 'node:http';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Platform } from '../platform/platform.ts';
import { RateLimiter, type Budget, type Verdict } from '../http/rate-limiter.ts';
import { countServingProcesses } from '../platform/serving-processes.repository.ts';
import type { TenantContext } from '../tenancy/tenant-context.ts';
import { AppError } from '../errors.ts';

declare module 'fastify' {
  interface FastifyInstance {
    rateLimiter: RateLimiter;
    /** Counts the fleet's serving processes now and shares the budgets out anew (tests call it rather than wait). */
    refreshServingProcesses(): Promise<void>;
  }
}

/** How often a process counts the fleet; a process started or gone changes each share within this. */
const COUNT_INTERVAL_MS = 10_000;
const SWEEP_INTERVAL_MS = 60_000;

/**
 * This process's token buckets (http/rate-limiter.ts), their shares kept in step with the number
 * of live serving processes (platform/serving-processes.repository.ts). A count that fails keeps
 * the last one: the database being away is no reason to change anyone's budget.
 */
export const rateLimitsPlugin = fp(async (app: FastifyInstance, options: { platform: Platform }) => {
  const limiter = new RateLimiter();
  const refresh = async () => {
    try {
      limiter.processes = await countServingProcesses(options.platform.db);
    } catch (error) {
      app.log.debug({ err: (error as Error).message }, 'could not count the serving processes; rate limit shares unchanged');
    }
  };
  app.decorate('rateLimiter', limiter);
  app.decorate('refreshServingProcesses', refresh);
  // This process's own session counts from its LISTEN on.
  void app.tenantChanges.ready.then(refresh);
  const counting = setInterval(() => void refresh(), COUNT_INTERVAL_MS);
  const sweeping = setInterval(() => limiter.sweep(), SWEEP_INTERVAL_MS);
  counting.unref();
  sweeping.unref();
  app.addHook('onClose', async () => {
    clearInterval(counting);
    clearInterval(sweeping);
  });
});

function budget(key: string, perMinute: number, label: string, options: { shared?: boolean; named?: boolean } = {}): Budget {
  return { key, perMinute, label, shared: options.shared ?? true, named: options.named ?? false };
}

interface TenantBudgets {
  token: Budget;
  authorization: Budget;
  api: Budget;
}

/**
 * The tenant's own budgets, made once per tenant context rather than per request: the same key
 * string each time also keeps its hash, so the bucket lookup does not compute it again.
 */
const tenantBudgetsOf = new WeakMap<TenantContext, TenantBudgets>();

function tenantBudgets(tenant: TenantContext): TenantBudgets {
  let made = tenantBudgetsOf.get(tenant);
  if (!made) {
    const limits = tenant.rateBudgets;
    made = {
      token: budget(`${tenant.id} token`, limits.token, "the tenant's token endpoint budget"),
      authorization: budget(`${tenant.id} authorization`, limits.authorization, "the tenant's sign-in budget"),
      api: budget(`${tenant.id} api`, limits.api, "the tenant's API budget"),
    };
    tenantBudgetsOf.set(tenant, made);
  }
  return made;
}

/** The token endpoint: the tenant's budget and, when the request names its client, that client's. */
export function tokenBudgets(tenant: TenantContext, clientId: string | undefined): Budget[] {
  const tenantBudget = tenantBudgets(tenant).token;
  if (clientId === undefined) return [tenantBudget];
  const limits = tenant.rateBudgets;
  return [tenantBudget, budget(`${tenant.id} token ${clientId}`, limits.clients.get(clientId) ?? limits.tokenPerClient, "this client's token endpoint budget", { named: true })];
}

export function authorizationBudgets(tenant: TenantContext, clientId: string | undefined): Budget[] {
  const tenantBudget = tenantBudgets(tenant).authorization;
  if (clientId === undefined) return [tenantBudget];
  return [tenantBudget, budget(`${tenant.id} authorization ${clientId}`, tenant.rateBudgets.authorizationPerClient, "this application's sign-in budget", { named: true })];
}

/** The signup and admin APIs share one budget per tenant; an admin API token also has its own, in each process (ADMIN_API_RATE_LIMIT_PER_MINUTE). */
export function apiBudgets(tenant: TenantContext, token?: { key: string; perMinute: number }): Budget[] {
  const tenantBudget = tenantBudgets(tenant).api;
  if (!token) return [tenantBudget];
  return [tenantBudget, budget(`${tenant.id} api ${token.key}`, token.perMinute, "this token's admin API budget", { shared: false })];
}

/**
 * Takes the request from its budgets and says so in the headers of draft-ietf-httpapi-ratelimit-
 * headers' first form (`RateLimit-Limit`, `-Remaining`, `-Reset`: this process's share of the
 * deciding budget); a refused request gets 429 `rate_limited` with `Retry-After`, as JSON (RFC
 * 6749's error form at the OAuth endpoints) or, for a browser, a page.
 */
export function enforceRateLimits(limiter: RateLimiter, budgets: readonly Budget[], res: ServerResponse): void {
  const verdict = limiter.judge(budgets);
  if (!verdict) return;
  res.setHeader('ratelimit-limit', String(verdict.limit));
  res.setHeader('ratelimit-remaining', String(verdict.remaining));
  res.setHeader('ratelimit-reset', String(verdict.resetSeconds));
  if (!verdict.allowed) throw refusal(verdict, res);
}

function refusal(verdict: Verdict, res: ServerResponse): AppError {
  res.setHeader('cache-control', 'no-store');
  const what = verdict.budget.label ?? 'a rate limit';
  return new AppError('rate_limited', `too many requests: ${what} is spent (${verdict.limit} a minute here); retry in ${verdict.retryAfterSeconds} s`, 429, {
    retryAfterSeconds: verdict.retryAfterSeconds,
  });
}
