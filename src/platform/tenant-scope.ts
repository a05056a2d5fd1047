import type { TenantDb } from '../db/tenant-database.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Platform } from './platform.ts';
import type { TenantId } from './tenant-id.ts';
import { publishTenantChange, type TenantChangeKind } from './notifications.ts';
import { issuerOf } from './issuer.ts';

/**
 * What every tenant-level service gets first: which tenant, its database (as the tenant's own
 * role, so it cannot reach another tenant's data) and how to tell every node that the tenant
 * changed. The CLI gets one from withTenantScope (tenant-access.ts), an HTTP request from its
 * tenant context; a service never needs to know which.
 */
export interface TenantScope {
  readonly id: TenantId;
  readonly db: TenantDb;
  /** The tenant's one issuer (issuer.ts): under the platform's public URL, or on the tenant's host. */
  readonly issuer: string;
  /** The master key's box: a tenant's signing keys are sealed under it, bound to the tenant's id. */
  readonly secrets: SecretBox;
  /** CONNECTIONS_ALLOW_PRIVATE_HOSTS: upstream connections may call private addresses (modules/connections/upstream-hosts.ts). */
  readonly allowPrivateUpstreams: boolean;
  /** Tells every node (and `tansu pgcat-config --watch`) that what it caches for the tenant is stale. */
  announce(kind: TenantChangeKind): Promise<void>;
}

/** `issuer` from the tenant's registry row (issuer.ts tenantIssuer); the path form when not given. */
export function tenantScope(platform: Pick<Platform, 'db' | 'secrets' | 'publicUrl' | 'config'>, id: TenantId, db: TenantDb, issuer = issuerOf(platform, id)): TenantScope {
  return Object.freeze({
    id,
    db,
    issuer,
    secrets: platform.secrets,
    allowPrivateUpstreams: platform.config.connectionsAllowPrivateHosts,
    announce: (kind: TenantChangeKind) => publishTenantChange(platform.db, { tenant: id, kind }),
  });
}

/**
 * Who did something, for the audit log. Operators, the platform's own jobs and anonymous callers
 * are named (`cli`, `schedule`, `platform`, `signup`); users and clients by their id.
 */
export interface Actor {
  type: 'operator' | 'user' | 'client' | 'system' | 'anonymous';
  id: string;
  /** Where the request came from, when there was one. */
  ip?: string | null;
}

export const CLI_ACTOR: Actor = Object.freeze({ type: 'operator', id: 'cli' });
/** The key-rotation schedule (jobs/key-rotation.schedule.ts). */
export const SCHEDULE_ACTOR: Actor = Object.freeze({ type: 'system', id: 'schedule' });
/** The platform acting on its own, e.g. a tenant's first keys. */
export const PLATFORM_ACTOR: Actor = Object.freeze({ type: 'system', id: 'platform' });

/** Someone signing up through the tenant's API, known only by address. */
export function signupActor(ip: string): Actor & { ip: string } {
  return { type: 'anonymous', id: 'signup', ip };
}

/**
 * The audit log's `actor` column. Named actors keep the words the log has always held (`cli`,
 * `schedule`, `signup`, `platform`), so old and new rows read alike; a user or client is
 * `user:<id>` / `client:<id>`, which no name can be mistaken for.
 */
export function actorText(actor: Actor): string {
  return actor.type === 'user' || actor.type === 'client' ? `${actor.type}:${actor.id}` : actor.id;
}
