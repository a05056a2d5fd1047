import type { Platform } from '../platform/platform.ts';
import type { TenantRow } from '../platform/tenants.repository.ts';
import { listTenants } from '../platform/tenants.repository.ts';
import { statusesFor } from '../platform/tenant-lifecycle.ts';
import { migrateToLatest } from '../db/migrator.ts';
import { openTenantDatabase } from '../db/tenant-database.ts';
import { ensureTenantTemplate } from './template.ts';
import { grantTenantRole } from './tenant-role.ts';
import { publishTenantChange } from '../platform/notifications.ts';
import type { TenantId } from '../platform/tenant-id.ts';
import { DEFAULT_MIGRATION_CONCURRENCY } from './migration-concurrency.ts';

export type MigrationStatus = 'migrated' | 'up-to-date' | 'failed';

export interface TenantMigrationResult {
  tenant: string;
  cluster: string;
  status: MigrationStatus;
  /** Migrations this run applied (some may have succeeded before a later one failed). */
  applied: string[];
  error?: string;
  ms: number;
}

export interface TemplateMigrationResult {
  cluster: string;
  status: MigrationStatus;
  applied: string[];
  error?: string;
}

export interface FleetMigrationReport {
  platform: { applied: string[] };
  templates: TemplateMigrationResult[];
  tenants: TenantMigrationResult[];
  /** Templates and tenants that failed; non-zero means the fleet is not fully migrated. */
  failed: number;
  ms: number;
}

export interface FleetMigrationOptions {
  /** Tenant databases migrated at once (default 4). */
  concurrency?: number;
  /** Another folder of tenant migrations, for the template and every tenant (tests use it). */
  migrationsFolder?: string;
  /** Called once the tenants to migrate are known, then after each one. */
  onStart?: (total: number) => void;
  onTenant?: (result: TenantMigrationResult) => void;
}

export { DEFAULT_MIGRATION_CONCURRENCY };

/**
 * `tansu migrate`: the platform database, then each cluster's template (so tenants created from now
 * on are born current), then every live tenant database (and its role's grants) with bounded concurrency. One tenant's
 * failure is recorded and the fleet carries on.
 */
export async function migrateFleet(platform: Platform, options: FleetMigrationOptions = {}): Promise<FleetMigrationReport> {
  const started = performance.now();
  const { log } = platform;
  const platformApplied = (await migrateToLatest(platform.db, 'platform')).applied;
  log.info({ applied: platformApplied }, 'platform database migrated');

  const templates: TemplateMigrationResult[] = [];
  for (const { name } of await platform.clusters.list()) {
    templates.push(await migrateTemplate(platform, name, options.migrationsFolder));
  }

  // Tenants whose databases are live; `provisioning`/`failed` are finished by `tenant create`, `maintenance` by its move or restore.
  const tenants = await listTenants(platform.db, { statuses: statusesFor('migrate') });
  options.onStart?.(tenants.length);
  const results = await mapBounded(tenants, options.concurrency ?? DEFAULT_MIGRATION_CONCURRENCY, async (tenant) => {
    const result = await migrateTenant(platform, tenant, options.migrationsFolder);
    if (result.status === 'failed') log.error({ tenant: result.tenant, err: result.error, ms: result.ms }, 'tenant migration failed');
    else log.info({ tenant: result.tenant, status: result.status, applied: result.applied, ms: result.ms }, 'tenant migrated');
    options.onTenant?.(result);
    return result;
  });

  const failed = templates.filter((t) => t.status === 'failed').length + results.filter((r) => r.status === 'failed').length;
  const report = { platform: { applied: platformApplied }, templates, tenants: results, failed, ms: Math.round(performance.now() - started) };
  log.info(
    { tenants: results.length, migrated: count(results, 'migrated'), upToDate: count(results, 'up-to-date'), failed, ms: report.ms },
    'fleet migration finished',
  );
  return report;
}

async function migrateTemplate(platform: Platform, cluster: string, migrationsFolder: string | undefined): Promise<TemplateMigrationResult> {
  try {
    const applied = await ensureTenantTemplate(await platform.clusters.adminUrlOf(cluster), { force: true, migrationsFolder });
    platform.log.info({ cluster, applied }, 'tenant template migrated');
    return { cluster, status: applied.length ? 'migrated' : 'up-to-date', applied };
  } catch (error) {
    const message = errorMessage(error);
    platform.log.error({ cluster, err: message }, 'tenant template migration failed');
    return { cluster, status: 'failed', applied: [], error: message };
  }
}

async function migrateTenant(platform: Platform, tenant: TenantRow, migrationsFolder: string | undefined): Promise<TenantMigrationResult> {
  const started = performance.now();
  const base = { tenant: tenant.id, cluster: tenant.cluster };
  const ms = () => Math.round(performance.now() - started);
  try {
    // Direct, not through a pooler: DDL and the migrator's lock belong on a plain session.
    const clusterUrl = await platform.clusters.adminUrlOf(tenant.cluster);
    const db = openTenantDatabase(clusterUrl, tenant.database_name, 1, 'tansu-migrate');
    let applied: string[];
    try {
      applied = (await migrateToLatest(db, 'tenant', migrationsFolder)).applied;
    } finally {
      await db.destroy();
    }
    // Tables the migrations created are the admin's: the tenant role gets its grants on them. A
    // tenant from before tenant roles gets its role here, and nodes drop their admin-role pool for it.
    const id = tenant.id as TenantId;
    if (await grantTenantRole(platform, { id, clusterUrl, database: tenant.database_name })) {
      platform.log.info({ tenant: id }, 'tenant database role created');
      await publishTenantChange(platform.db, { tenant: id, kind: 'updated' });
    }
    return { ...base, status: applied.length ? 'migrated' : 'up-to-date', applied, ms: ms() };
  } catch (error) {
    const applied = (error as { details?: { applied?: string[] } }).details?.applied ?? [];
    return { ...base, status: 'failed', applied, error: errorMessage(error), ms: ms() };
  }
}

/** Runs `work` over `items` with at most `limit` in flight; results keep the input order. */
async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

function count(results: readonly TenantMigrationResult[], status: MigrationStatus): number {
  return results.filter((r) => r.status === status).length;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
