import type { Platform } from '../platform/platform.ts';
import { AppError, isAppError, tenantNotFound } from '../errors.ts';
import { parseTenantId } from '../platform/tenant-id.ts';
import { findTenant, recordPlatformEvent, transitionTenant, type TenantRow } from '../platform/tenants.repository.ts';
import { assertTenantMay, ignoreLostTransition } from '../platform/tenant-lifecycle.ts';
import { databaseExists, dropDatabase, setDatabaseReadOnly, terminateConnections, withMaintenanceSession } from '../db/postgres.ts';
import { publishTenantChange } from '../platform/notifications.ts';
import { findPgTool, serverMajorVersion } from './pg-tools.ts';
import { restoreIntoScratchDatabase, swapIntoPlace } from './database-copy.ts';
import type { Progress } from './backup.ts';
import { stepsAfterCommit } from './after-commit.ts';
import { dropTenantRole, grantTenantRole } from './tenant-role.ts';

export interface MoveOptions {
  to: string;
  progress?: Progress;
  /** Test seam: runs after the copy is in place on the target, before the registry switches. */
  beforeSwitch?: () => Promise<void> | void;
  /** Test seam: runs before each step that follows the switch; a throw stands for that step failing. */
  afterSwitch?: (step: AfterSwitchStep) => Promise<void> | void;
}

type AfterSwitchStep = 'notify' | 'drop-source' | 'drop-source-role' | 'record';

export interface MovedTenant {
  tenant: TenantRow;
  from: string;
  to: string;
  /** How long requests got 503 (status `maintenance`), in milliseconds. */
  unavailableMs: number;
  /** False when the source database could not be dropped (the tenant serves from the target regardless). */
  sourceDropped: boolean;
}

/**
 * docs/architecture.md#scale-out: dump → restore on the target (piped, no file in between) → switch the registry → notify nodes → drop the source.
 * During the copy the tenant answers 503 + Retry-After and its source database only accepts
 * read-only sessions, so nothing written can be lost; any failure before the switch removes the
 * copy and the tenant keeps serving from its source. Once the switch has committed the target
 * is the tenant's only live database: nothing after it is undone, a failing step is logged.
 */
export async function moveTenant(platform: Platform, rawId: string, options: MoveOptions): Promise<MovedTenant> {
  const id = parseTenantId(rawId);
  const progress = options.progress ?? (() => {});
  const tenant = await findTenant(platform.db, id);
  if (!tenant) throw tenantNotFound(id);
  assertTenantMay(tenant, 'move');
  if (tenant.cluster === options.to) throw new AppError('same_cluster', `tenant "${id}" already lives on cluster "${options.to}"`, 400);
  const database = tenant.database_name;
  const sourceUrl = await platform.clusters.adminUrlOf(tenant.cluster);
  const targetUrl = await platform.clusters.adminUrlOf(options.to);

  // Everything that can be checked without downtime is checked first. A tenant from before
  // tenant roles gets its role on the source too, so an undone move leaves it served as that role.
  await grantTenantRole(platform, { id, clusterUrl: sourceUrl, database });
  await withMaintenanceSession(sourceUrl, async (client) => findPgTool('pg_dump', await serverMajorVersion(client), platform.config.pgBinDir));
  await withMaintenanceSession(targetUrl, async (client) => {
    await findPgTool('pg_restore', await serverMajorVersion(client), platform.config.pgBinDir);
    if (await databaseExists(client, database)) {
      throw new AppError('move_target_occupied', `cluster "${options.to}" already has a database named ${database}`, 409);
    }
  });

  const unavailableFrom = performance.now();
  // From the status read above only: a suspend, delete or restore that came first wins.
  await transitionTenant(platform.db, id, 'maintenance', { from: [tenant.status] });
  let scratch: string | undefined;
  let copied = false;
  let moved: TenantRow;
  try {
    await publishTenantChange(platform.db, { tenant: id, kind: 'moved' });
    progress(`freezing ${database} on cluster ${tenant.cluster}`);
    await withMaintenanceSession(sourceUrl, async (client) => {
      await setDatabaseReadOnly(client, database, true);
      await terminateConnections(client, database);
    });
    progress(`copying to cluster ${options.to}`);
    const restored = await restoreIntoScratchDatabase(targetUrl, { clusterUrl: sourceUrl, database }, platform.config.pgBinDir);
    scratch = restored;
    // The tenant's role, with its password from the registry, is created on the target cluster.
    await grantTenantRole(platform, { id, clusterUrl: targetUrl, database: restored });
    await withMaintenanceSession(targetUrl, (client) => swapIntoPlace(client, restored, database));
    copied = true;
    await options.beforeSwitch?.();

    progress('switching the registry');
    // The registry names the target cluster, and the tenant gets back the status it had before the move.
    moved = await transitionTenant(platform.db, id, tenant.status, { from: ['maintenance'], cluster: options.to });
  } catch (error) {
    platform.log.error({ tenant: id, err: (error as Error).message }, 'move failed');
    // A switch whose reply was lost may have committed all the same: the registry, not the error,
    // says where the tenant lives. If it cannot be read this throws and nothing is undone.
    if (copied && (await findTenant(platform.db, id))?.cluster === options.to) {
      platform.log.error(
        { tenant: id, cluster: options.to, leftover: `${database} on ${tenant.cluster}` },
        'the registry already names the target, so the move stands; drop the leftover source database by hand',
      );
    } else {
      await undoMove(platform, { id, tenant, sourceUrl, targetUrl, copy: copied ? database : scratch });
    }
    if (isAppError(error)) throw error;
    throw new AppError('move_failed', `moving tenant "${id}" failed: ${(error as Error).message}`, 500);
  }

  const unavailableMs = Math.round(performance.now() - unavailableFrom);
  const afterSwitch = stepsAfterCommit<AfterSwitchStep>(platform.log, id, 'moved, but a step after the registry switch failed', options.afterSwitch);
  // Nodes that missed the first notice still hold the source; the source is read-only meanwhile.
  await afterSwitch('notify', () => publishTenantChange(platform.db, { tenant: id, kind: 'moved' }));
  progress(`dropping ${database} on cluster ${tenant.cluster}`);
  const sourceDropped = await afterSwitch('drop-source', () => withMaintenanceSession(sourceUrl, (client) => dropDatabase(client, database)));
  if (sourceDropped) await afterSwitch('drop-source-role', () => dropTenantRole(sourceUrl, id));
  await afterSwitch('record', () =>
    recordPlatformEvent(platform.db, { actor: 'platform', action: 'tenant.moved', tenantId: id, details: { from: tenant.cluster, to: options.to, unavailableMs } }),
  );
  platform.log.info({ tenant: id, from: tenant.cluster, to: options.to, unavailableMs, sourceDropped }, 'tenant moved');
  return { tenant: moved, from: tenant.cluster, to: options.to, unavailableMs, sourceDropped };
}

/** Before the switch only: drops the copy on the target, thaws the source, gives the tenant its status back. */
async function undoMove(
  platform: Platform,
  move: { id: string; tenant: TenantRow; sourceUrl: string; targetUrl: string; copy: string | undefined },
): Promise<void> {
  const { id, tenant, copy } = move;
  if (copy) await withMaintenanceSession(move.targetUrl, (client) => dropDatabase(client, copy)).catch(() => {});
  // Refused (and harmless) while the target still grants the role anything, e.g. a copy that could not be dropped.
  await dropTenantRole(move.targetUrl, parseTenantId(id)).catch(() => {});
  await withMaintenanceSession(move.sourceUrl, (client) => setDatabaseReadOnly(client, tenant.database_name, false)).catch(() => {});
  await transitionTenant(platform.db, id, tenant.status, { from: ['maintenance'] }).catch(ignoreLostTransition);
  await publishTenantChange(platform.db, { tenant: id, kind: 'updated' });
  platform.log.info({ tenant: id, cluster: tenant.cluster }, 'move undone; the tenant stays on its source');
}
