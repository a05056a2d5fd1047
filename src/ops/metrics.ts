import client from 'prom-client';
import type Provider from 'oidc-provider';
import { poolUsage } from '../db/postgres.ts';

/**
 * Prometheus metrics of this process (one registry; with WORKERS > 1 a scrape of any worker
 * returns the sum over all of them, see cluster-metrics.ts). Tenant ids appear as labels only
 * on token issuance, and only with METRICS_TENANT_LABELS: 10,000 tenants would otherwise be
 * 10,000 series per token type in every scrape.
 */
export const metricsRegistry = new client.Registry();
client.collectDefaultMetrics({ register: metricsRegistry, prefix: 'tansu_' });

export const httpRequests = new client.Counter({
  name: 'tansu_http_requests_total',
  help: 'HTTP requests by method, route and status code',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [metricsRegistry],
});

export const httpRequestDuration = new client.Histogram({
  name: 'tansu_http_request_duration_seconds',
  help: 'HTTP request duration by route',
  labelNames: ['method', 'route'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [metricsRegistry],
});

export const tokensIssued = new client.Counter({
  name: 'tansu_tokens_issued_total',
  help: 'Tokens issued by type (access_token, client_credentials, refresh_token), and by tenant with METRICS_TENANT_LABELS',
  labelNames: ['tenant', 'type'] as const,
  registers: [metricsRegistry],
});

export const provisioningDuration = new client.Histogram({
  name: 'tansu_tenant_provisioning_seconds',
  help: 'Time to create a tenant, by outcome',
  labelNames: ['outcome'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
  registers: [metricsRegistry],
});

/** What the outbox senders did with each mail they took (jobs/mail-sender.ts). */
export const mailDeliveries = new client.Counter({
  name: 'tansu_mail_deliveries_total',
  help: 'Mails taken from tenant outboxes by outcome: sent (SMTP accepted), logged (no SMTP_URL), retried (deferred, tried again later), failed (given up)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

const mailBacklogs = new Set<() => Promise<number>>();

/** `read` counts the tenants with mail waiting; the gauge asks it at scrape time. */
export function observeMailBacklog(read: () => Promise<number>): () => void {
  mailBacklogs.add(read);
  return () => mailBacklogs.delete(read);
}

new client.Gauge({
  name: 'tansu_mail_tenants_waiting',
  help: 'Tenants whose outbox holds mail not yet sent (queued, being sent or waiting to be retried)',
  // Every worker reads the same platform table: the node's value is any one of them, not their sum.
  aggregator: 'max',
  registers: [metricsRegistry],
  async collect() {
    const [read] = mailBacklogs;
    if (!read) return;
    try {
      this.set(await read());
    } catch {
      // The platform database is away: the scrape keeps the last value rather than a false 0.
    }
  },
});

/** The tenant caches of this process (one per app; tests build several). */
/** What a tenant cache (tenancy/tenant-cache.ts) counts, read by the gauges below. */
export interface TenantCacheStats {
  size: number;
  hits: number;
  misses: number;
  evictions: number;
  /** Requests answered from a remembered refusal, without a build. */
  refusalsRemembered: number;
}

const caches = new Set<TenantCacheStats>();

export function observeTenantCache(stats: TenantCacheStats): () => void {
  caches.add(stats);
  return () => caches.delete(stats);
}

const sum = (pick: (stats: TenantCacheStats) => number) => [...caches].reduce((total, stats) => total + pick(stats), 0);

new client.Gauge({
  name: 'tansu_tenant_cache_size',
  help: 'Tenant contexts currently cached',
  registers: [metricsRegistry],
  collect() {
    this.set(sum((s) => s.size));
  },
});

for (const [name, help, pick] of [
  ['tansu_tenant_cache_hits_total', 'Tenant context cache hits', (s: TenantCacheStats) => s.hits],
  ['tansu_tenant_cache_misses_total', 'Tenant context cache misses (contexts built)', (s: TenantCacheStats) => s.misses],
  ['tansu_tenant_cache_evictions_total', 'Tenant contexts evicted to respect TENANT_CACHE_SIZE', (s: TenantCacheStats) => s.evictions],
] as const) {
  new client.Counter({
    name,
    help,
    registers: [metricsRegistry],
    collect() {
      // The cache keeps the running totals; the counter mirrors them at scrape time.
      this.reset();
      this.inc(sum(pick));
    },
  });
}

new client.Gauge({
  name: 'tansu_db_pool_connections',
  help: 'PostgreSQL connections held by this process, by pool kind and state',
  labelNames: ['pool', 'state'] as const,
  registers: [metricsRegistry],
  collect() {
    this.reset();
    for (const usage of poolUsage()) {
      this.set({ pool: usage.name, state: 'total' }, usage.total);
      this.set({ pool: usage.name, state: 'idle' }, usage.idle);
      this.set({ pool: usage.name, state: 'waiting' }, usage.waiting);
    }
  },
});

new client.Gauge({
  name: 'tansu_db_pools',
  help: 'Open connection pools by kind (one per cached tenant, plus the platform)',
  labelNames: ['pool'] as const,
  registers: [metricsRegistry],
  collect() {
    this.reset();
    for (const usage of poolUsage()) this.set({ pool: usage.name }, usage.pools);
  },
});

/**
 * Counts the tokens a tenant's provider issues (opaque ones are `saved`, JWTs `issued`); under
 * the tenant's label only when `tenantLabel` is given.
 */
export function countIssuedTokens(provider: Provider, tenantLabel: string | undefined): void {
  const count = (type: string) => () => tokensIssued.inc(tenantLabel === undefined ? { type } : { tenant: tenantLabel, type });
  provider.on('access_token.saved', count('access_token'));
  provider.on('access_token.issued', count('access_token'));
  provider.on('client_credentials.saved', count('client_credentials'));
  provider.on('client_credentials.issued', count('client_credentials'));
  provider.on('refresh_token.saved', count('refresh_token'));
}
