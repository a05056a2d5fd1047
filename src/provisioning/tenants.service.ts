import type { Platform } from '../platform/platform.ts';
import { AppError, isAppError, tenantExists } from '../errors.ts';
import { PLATFORM_ADMIN_TENANT_ID, parseNewTenantId, parseTenantId, tenantDatabaseName, type TenantId } from '../platform/tenant-id.ts';
import {
  claimUnfinishedTenant, deleteTenantRow, findTenant, insertProvisioningTenant, recordPlatformEvent, transitionTenant,
  type TenantRow,
} from '../platform/tenants.repository.ts';
import { ignoreLostTransition, statusesFor } from '../platform/tenant-lifecycle.ts';
import { dropDatabase, withMaintenanceSession } from '../db/postgres.ts';
import { openTenantDatabase } from '../db/tenant-database.ts';
import { createFromTemplate, ensureTenantTemplate, refillSpareDatabases } from './template.ts';
import { dropTenantRole, grantTenantRole } from './tenant-role.ts';
import { publishTenantChange } from '../platform/notifications.ts';
import { issuerOf } from '../platform/issuer.ts';
import { generatePassword, hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../crypto/passwords.ts';
import { generateSigningKey, insertSigningKey } from '../modules/keys/signing-keys.ts';
import { grantRoles, insertUser, TENANT_ADMIN_ROLE } from '../modules/users/users.repository.ts';
import { normalizeEmail } from '../modules/users/email.ts';
import { recordAuditEvent } from '../modules/audit/audit.repository.ts';
import { seedPlatformApi } from '../modules/apis/platform-api.ts';
import { provisioningDuration } from '../ops/metrics.ts';

export interface CreateTenantInput {
  id: string;
  displayName?: string;
  adminEmail?: string;
  adminPassword?: string;
  cluster?: string;
  /** Creates the platform's admin tenant (`id` must be `admin`); only createPlatformAdminTenant sets it. */
  platformAdminTenant?: boolean;
}

export interface CreatedTenant {
  tenant: TenantRow;
  issuer: string;
  admin: {
    email: string;
    /** Only when generated: shown once, stored only as an argon2id hash. */
    generatedPassword?: string;
  };
}

/** Test seams for fault injection; never set in production code paths. */
export interface ProvisioningHooks {
  afterDatabaseCreated?: (tenantId: TenantId) => Promise<void> | void;
  /** Runs once the tenant is marked active, before the bookkeeping that follows; a throw stands for it failing. */
  afterActivated?: (tenantId: TenantId) => Promise<void> | void;
}

/** A tenant stuck in `provisioning` this long is assumed dead and may be taken over by a retry. */
const STALE_PROVISIONING_SECONDS = 120;

function validateInput(input: CreateTenantInput) {
  const id = input.platformAdminTenant && input.id === PLATFORM_ADMIN_TENANT_ID ? parseTenantId(input.id) : parseNewTenantId(input.id);
  const displayName = (input.displayName ?? id).trim();
  if (displayName.length === 0 || displayName.length > 200) {
    throw new AppError('invalid_name', 'the display name must be 1 to 200 characters');
  }
  const adminEmail = normalizeEmail(input.adminEmail ?? `admin@${id}.localhost`);
  if (input.adminPassword !== undefined && (input.adminPassword.length < MIN_PASSWORD_LENGTH || input.adminPassword.length > MAX_PASSWORD_LENGTH)) {
    throw new AppError('weak_password', `the admin password must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`);
  }
  return { id, displayName, adminEmail, adminPassword: input.adminPassword };
}

/**
 * docs/architecture.md#provisioning: registry row → copy of the migrated template (a spare made ahead, else a clone) →
 * the tenant's login role on it → admin, roles and signing keys → active. Any failure before `active` drops what was created and
 * leaves the row `failed` with the reason; running it again takes the failed row over and
 * finishes. Once `active` the tenant exists: a failure after that is logged, never undone.
 */
export async function createTenant(platform: Platform, input: CreateTenantInput, hooks: ProvisioningHooks = {}): Promise<CreatedTenant> {
  const { id, displayName, adminEmail, adminPassword } = validateInput(input);
  const cluster = input.cluster ?? (await platform.clusters.leastLoaded());
  // Direct, not through a pooler: CREATE DATABASE and the template's advisory locks need a session.
  const clusterUrl = await platform.clusters.adminUrlOf(cluster);
  const databaseName = tenantDatabaseName(id);
  const started = performance.now();

  const tenant =
    (await insertProvisioningTenant(platform.db, { id, displayName, cluster, databaseName })) ??
    (await claimUnfinishedTenant(platform.db, { id, displayName, cluster }, STALE_PROVISIONING_SECONDS));
  if (!tenant) throw tenantExists(id);

  const password = adminPassword ?? generatePassword();
  // Hashing and key generation run on the libuv pool while the database is cloned. Two keys:
  // the active one signs, the next one is published ahead of the first rotation.
  const secretsReady = Promise.all([
    hashPassword(password),
    generateSigningKey(id, 'RS256', platform.secrets),
    generateSigningKey(id, 'RS256', platform.secrets),
  ]);
  secretsReady.catch(() => {});

  let active: TenantRow;
  let copy: Awaited<ReturnType<typeof createFromTemplate>>;
  try {
    await ensureTenantTemplate(clusterUrl);
    copy = await withMaintenanceSession(clusterUrl, async (client) => {
      // A retry after a crash may find the previous attempt's database: start clean.
      await dropDatabase(client, databaseName);
      return createFromTemplate(client, clusterUrl, databaseName);
    });
    await hooks.afterDatabaseCreated?.(id);
    await grantTenantRole(platform, { id, clusterUrl, database: databaseName });

    const [passwordHash, activeKey, nextKey] = await secretsReady;
    const db = openTenantDatabase(clusterUrl, databaseName, 1, 'tansu-provisioning');
    try {
      await db.transaction().execute(async (trx) => {
        const admin = await insertUser(trx, { email: adminEmail, passwordHash, name: 'Tenant admin', emailVerified: true });
        await grantRoles(trx, admin.id, [TENANT_ADMIN_ROLE]);
        if (id === PLATFORM_ADMIN_TENANT_ID) await seedPlatformApi(trx, { issuer: issuerOf(platform, id), adminUserId: admin.id });
        await insertSigningKey(trx, activeKey, 'active');
        await insertSigningKey(trx, nextKey, 'next');
        await recordAuditEvent(trx, { actor: 'platform', action: 'tenant.created', target: id, details: { displayName } });
      });
    } finally {
      await db.destroy();
    }

    active = await transitionTenant(platform.db, id, 'active', { from: ['provisioning'] });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    provisioningDuration.observe({ outcome: 'failed' }, (performance.now() - started) / 1000);
    platform.log.error({ tenant: id, err: reason }, 'tenant creation failed; cleaning up');
    await cleanUpFailedCreation(platform, { id, clusterUrl, databaseName, reason });
    if (isAppError(error) && error.code !== 'migration_failed') throw error;
    throw new AppError('provisioning_failed', `creating tenant "${id}" failed: ${reason}`, 500);
  }

  // Active: the tenant exists and may already serve. What follows is bookkeeping, so a failure
  // is logged and never reaches the cleanup above.
  try {
    await hooks.afterActivated?.(id);
    await recordPlatformEvent(platform.db, { actor: 'platform', action: 'tenant.created', tenantId: id, details: { cluster } });
  } catch (error) {
    platform.log.error({ tenant: id, err: (error as Error).message }, 'tenant created, but its platform event could not be recorded');
  }
  provisioningDuration.observe({ outcome: 'created' }, (performance.now() - started) / 1000);
  platform.log.info({ tenant: id, cluster, copy, ms: Math.round(performance.now() - started) }, 'tenant created');
  // The next creation on this cluster finds a spare ready; the caller does not wait for it.
  refillSpareDatabases(clusterUrl).catch((error: Error) => platform.log.warn({ cluster, err: error.message }, 'could not refill spare databases'));
  // `tansu pgcat-config --watch` adds the tenant's pool now, not at its next resync.
  await publishTenantChange(platform.db, { tenant: id, kind: 'created' }).catch((error: Error) =>
    platform.log.warn({ tenant: id, err: error.message }, 'could not announce the new tenant'),
  );
  return {
    tenant: active,
    issuer: issuerOf(platform, id),
    admin: { email: adminEmail, ...(adminPassword === undefined ? { generatedPassword: password } : {}) },
  };
}

/**
 * Drops the half-created database and its role, and marks the row `failed`, but only while the row is still
 * `provisioning`: an activation whose reply was lost may have committed, and a tenant the
 * registry shows active is never dropped. If the registry cannot be read this throws and nothing
 * is dropped; a rerun takes the stale row over and starts clean.
 */
async function cleanUpFailedCreation(platform: Platform, failed: { id: TenantId; clusterUrl: string; databaseName: string; reason: string }): Promise<void> {
  const { id, databaseName } = failed;
  const row = await findTenant(platform.db, id);
  if (row?.status !== 'provisioning') {
    platform.log.error({ tenant: id, status: row?.status }, 'the registry no longer shows the tenant provisioning; its database is kept');
    return;
  }
  await withMaintenanceSession(failed.clusterUrl, (client) => dropDatabase(client, databaseName)).catch((dropError: Error) =>
    platform.log.error({ tenant: id, err: dropError.message }, 'could not drop the half-created database'),
  );
  await dropTenantRole(failed.clusterUrl, id).catch((dropError: Error) =>
    platform.log.error({ tenant: id, err: dropError.message }, "could not drop the half-created tenant's database role"),
  );
  await transitionTenant(platform.db, id, 'failed', { from: ['provisioning'], failureReason: failed.reason }).catch(ignoreLostTransition);
}

/** Marks `deleting`, tells every node to drop the tenant, drops its database (even with open connections), removes the row. */
export async function deleteTenant(platform: Platform, rawId: string): Promise<void> {
  const id = parseTenantId(rawId);
  const tenant = await transitionTenant(platform.db, id, 'deleting', { from: statusesFor('delete') });
  await publishTenantChange(platform.db, { tenant: id, kind: 'deleted' });
  const clusterUrl = await platform.clusters.adminUrlOf(tenant.cluster);
  await withMaintenanceSession(clusterUrl, (client) => dropDatabase(client, tenant.database_name));
  // Its password goes with the row; a role left behind (still granted on some leftover database) can no longer be used.
  await dropTenantRole(clusterUrl, id).catch((error: Error) =>
    platform.log.error({ tenant: id, err: error.message }, "could not drop the tenant's database role; drop it by hand"),
  );
  await deleteTenantRow(platform.db, id);
  await recordPlatformEvent(platform.db, { actor: 'platform', action: 'tenant.deleted', tenantId: id });
  platform.log.info({ tenant: id }, 'tenant deleted');
}

export async function setTenantSuspended(platform: Platform, rawId: string, suspended: boolean): Promise<TenantRow> {
  const id = parseTenantId(rawId);
  const tenant = await transitionTenant(platform.db, id, suspended ? 'suspended' : 'active', { from: statusesFor(suspended ? 'suspend' : 'resume') });
  await publishTenantChange(platform.db, { tenant: id, kind: suspended ? 'suspended' : 'updated' });
  await recordPlatformEvent(platform.db, { actor: 'platform', action: suspended ? 'tenant.suspended' : 'tenant.resumed', tenantId: id });
  return tenant;
}
