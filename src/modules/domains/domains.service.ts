import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Config } from '../../config.ts';
import type { IssuerForm, PlatformDatabase } from '../../db/schema.ts';
import { AppError, pgCode } from '../../errors.ts';
import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { PLATFORM_ADMIN_TENANT_ID } from '../../platform/tenant-id.ts';
import { tenantIssuer } from '../../platform/issuer.ts';
import {
  countTenantDomains,
  deleteTenantDomain,
  findTenantDomain,
  insertTenantDomain,
  listTenantDomains,
  lockTenantIssuer,
  markDomainVerified,
  readTenantIssuer,
  updateTenantIssuer,
  verifiedHolderOf,
  type TenantDomainRow,
  type TenantIssuerRow,
} from '../../platform/tenant-hosts.repository.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { challengeRecordName, challengeValues } from './dns-challenge.ts';
import { parseCustomDomain } from './domain-name.ts';

/**
 * A tenant's custom domains and the one place its issuer moves (docs/architecture.md#tenant-hosts):
 * add a domain (a challenge to publish in DNS), verify it (the TXT record is there), activate it
 * (the issuer moves to `https://<domain>`), remove it; or put the issuer back in the path or
 * subdomain form. The registry rows are the platform database's; the audit events the tenant's.
 */

/** What the domain services need of the platform besides the tenant's scope. */
export interface DomainPlatform {
  readonly db: Kysely<PlatformDatabase>;
  readonly publicUrl: string;
  readonly config: Pick<Config, 'publicUrl' | 'baseDomain' | 'dnsResolvers'>;
}

/**
 * How long the tenant's own APIs keep accepting access tokens of the issuer it had before a move:
 * a day, the longest lifetime an access token can have (modules/settings/setting-bounds.ts), so
 * no token issued before the move outlives it. Refresh tokens are opaque rows and never carried an
 * issuer; they keep working across the move.
 */
export const ISSUER_GRACE_SECONDS = 24 * 60 * 60;

/**
 * Claims one tenant may hold: every node keeps every claimed name in memory (tenancy/tenant-hosts.ts),
 * so a tenant must not be able to grow that without end. An active domain and a few in waiting is the use.
 */
export const MAX_DOMAINS_PER_TENANT = 20;

export interface IssuerState {
  issuer: string;
  form: IssuerForm | 'domain';
  domain: string | null;
  previousIssuer: string | null;
  previousIssuerUntil: Date | null;
}

export interface DomainState {
  domain: string;
  status: 'pending' | 'verified' | 'active';
  challenge: { name: string; value: string };
  createdAt: Date;
  verifiedAt: Date | null;
}

function issuerStateOf(platform: DomainPlatform, row: TenantIssuerRow): IssuerState {
  const graceOver = row.previous_issuer_until === null || row.previous_issuer_until.getTime() <= Date.now();
  return {
    issuer: tenantIssuer(platform, row),
    form: row.issuer_domain ? 'domain' : row.issuer_form,
    domain: row.issuer_domain,
    previousIssuer: graceOver ? null : row.previous_issuer,
    previousIssuerUntil: graceOver ? null : row.previous_issuer_until,
  };
}

function domainStateOf(row: TenantDomainRow, issuerDomain: string | null): DomainState {
  return {
    domain: row.domain,
    status: row.domain === issuerDomain ? 'active' : row.status,
    challenge: { name: challengeRecordName(row.domain), value: row.challenge },
    createdAt: row.created_at,
    verifiedAt: row.verified_at,
  };
}

/** The admin tenant's issuer names the platform API it seeded (modules/apis/platform-api.ts), so it stays where it is. */
function assertIssuerMovable(scope: TenantScope): void {
  if (scope.id === PLATFORM_ADMIN_TENANT_ID) {
    throw new AppError('issuer_fixed', "the platform's admin tenant keeps its issuer under the public URL: its platform API is named after it", 409);
  }
}

const domainNotFound = (domain: string) => new AppError('domain_not_found', `the tenant has no domain ${domain}`, 404);
const domainTaken = (domain: string) => new AppError('domain_taken', `${domain} is verified by another tenant`, 409);

/** Records the audit event in the tenant's database, then runs the registry change; the event is kept only if the change commits. */
async function audited<T>(scope: TenantScope, actor: Actor, event: { action: string; target: string; details: () => Record<string, unknown> }, change: () => Promise<T>): Promise<T> {
  return scope.db.transaction().execute(async (trx) => {
    const result = await change();
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: event.action, target: event.target, details: event.details() });
    return result;
  });
}

export async function readIssuer(platform: DomainPlatform, scope: TenantScope): Promise<IssuerState> {
  return issuerStateOf(platform, await readTenantIssuer(platform.db, scope.id));
}

export async function listDomains(platform: DomainPlatform, scope: TenantScope): Promise<{ issuer: IssuerState; domains: DomainState[] }> {
  const [issuer, rows] = await Promise.all([readTenantIssuer(platform.db, scope.id), listTenantDomains(platform.db, scope.id)]);
  return { issuer: issuerStateOf(platform, issuer), domains: rows.map((row) => domainStateOf(row, issuer.issuer_domain)) };
}

/** Claims a domain; the answer names the TXT record that proves it. A name verified by another tenant is refused. */
export async function addDomain(platform: DomainPlatform, scope: TenantScope, rawDomain: unknown, actor: Actor): Promise<DomainState> {
  const domain = parseCustomDomain(rawDomain, platform.config);
  assertIssuerMovable(scope);
  const holder = await verifiedHolderOf(platform.db, domain);
  if (holder !== undefined && holder !== scope.id) throw domainTaken(domain);
  if ((await countTenantDomains(platform.db, scope.id)) >= MAX_DOMAINS_PER_TENANT) {
    throw new AppError('too_many_domains', `a tenant holds at most ${MAX_DOMAINS_PER_TENANT} domains: remove one first`, 409);
  }
  const challenge = `tansu-verify=${crypto.randomBytes(24).toString('base64url')}`;
  const row = await audited(scope, actor, { action: 'domain.added', target: domain, details: () => ({}) }, async () => {
    const inserted = await insertTenantDomain(platform.db, { tenantId: scope.id, domain, challenge });
    if (!inserted) throw new AppError('domain_exists', `the tenant has added ${domain} already`, 409);
    return inserted;
  });
  await scope.announce('domains');
  return domainStateOf(row, null);
}

/** Looks for the TXT record; verified once seen. Verifying a verified domain looks again for nothing and says so. */
export async function verifyDomain(platform: DomainPlatform, scope: TenantScope, rawDomain: unknown, actor: Actor): Promise<DomainState> {
  const domain = parseCustomDomain(rawDomain, platform.config);
  const row = await findTenantDomain(platform.db, scope.id, domain);
  if (!row) throw domainNotFound(domain);
  const { issuer_domain: issuerDomain } = await readTenantIssuer(platform.db, scope.id);
  if (row.status === 'verified') return domainStateOf(row, issuerDomain);
  const values = await challengeValues(platform.config, domain);
  if (!values.includes(row.challenge)) {
    const found = values.length === 0 ? 'no TXT record there' : `only ${values.map((value) => JSON.stringify(value.slice(0, 80))).join(', ')}`;
    throw new AppError('domain_not_verified', `publish a TXT record ${challengeRecordName(domain)} with the value ${row.challenge} and verify again (found ${found})`, 409);
  }
  const verified = await audited(scope, actor, { action: 'domain.verified', target: domain, details: () => ({}) }, async () => {
    try {
      return await markDomainVerified(platform.db, scope.id, domain);
    } catch (error) {
      if (pgCode(error) === '23505') throw domainTaken(domain);
      throw error;
    }
  });
  if (!verified) throw domainNotFound(domain);
  await scope.announce('domains');
  return domainStateOf(verified, issuerDomain);
}

/**
 * Moves the tenant's issuer: every row change of one tenant's issuer runs under the lock on its
 * registry row, and the issuer it leaves stays accepted on the tenant's own tokens for
 * ISSUER_GRACE_SECONDS. Announced, so every node rebuilds the tenant's provider with the new
 * issuer and reloads its host names.
 */
async function moveIssuer(
  platform: DomainPlatform,
  scope: TenantScope,
  actor: Actor,
  target: (current: TenantIssuerRow) => { issuerForm: IssuerForm; issuerDomain: string | null },
): Promise<IssuerState> {
  const { state, before, after } = await scope.db.transaction().execute(async (trx) => {
    const moved = await platform.db.transaction().execute(async (registry) => {
      const current = await lockTenantIssuer(registry, scope.id);
      const next = { ...current, issuer_form: target(current).issuerForm, issuer_domain: target(current).issuerDomain };
      const [from, to] = [tenantIssuer(platform, current), tenantIssuer(platform, next)];
      if (from !== to) {
        next.previous_issuer = from;
        next.previous_issuer_until = new Date(Date.now() + ISSUER_GRACE_SECONDS * 1000);
      }
      await updateTenantIssuer(registry, scope.id, {
        issuerForm: next.issuer_form,
        issuerDomain: next.issuer_domain,
        previousIssuer: next.previous_issuer,
        previousIssuerUntil: next.previous_issuer_until,
      });
      return { state: issuerStateOf(platform, next), before: from, after: to };
    });
    // Kept only if the registry change commits: this transaction commits after it.
    if (moved.before !== moved.after) {
      await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'issuer.changed', target: scope.id, details: { before: moved.before, after: moved.after } });
    }
    return moved;
  });
  if (before !== after) await scope.announce('domains');
  return state;
}

/** A verified domain becomes the tenant's issuer. */
export async function activateDomain(platform: DomainPlatform, scope: TenantScope, rawDomain: unknown, actor: Actor): Promise<IssuerState> {
  const domain = parseCustomDomain(rawDomain, platform.config);
  assertIssuerMovable(scope);
  const row = await findTenantDomain(platform.db, scope.id, domain);
  if (!row) throw domainNotFound(domain);
  if (row.status !== 'verified') throw new AppError('domain_not_verified', `${domain} is not verified yet: publish its TXT record and verify it first`, 409);
  return moveIssuer(platform, scope, actor, (current) => ({ issuerForm: current.issuer_form, issuerDomain: domain }));
}

/** The issuer in the path or subdomain form; an active domain stops being the issuer (and stays verified). */
export async function setIssuerForm(platform: DomainPlatform, scope: TenantScope, form: IssuerForm, actor: Actor): Promise<IssuerState> {
  if (form !== 'path' && form !== 'subdomain') throw new AppError('invalid_issuer_form', `the issuer's form is path or subdomain, got "${String(form)}"`);
  assertIssuerMovable(scope);
  if (form === 'subdomain' && !platform.config.baseDomain) {
    throw new AppError('base_domain_not_configured', 'the subdomain form needs BASE_DOMAIN in the configuration (of the server and of this command)', 409);
  }
  return moveIssuer(platform, scope, actor, () => ({ issuerForm: form, issuerDomain: null }));
}

/** Forgets a domain. If it was the issuer, the issuer falls back to the path or subdomain form, with the usual grace. */
export async function removeDomain(platform: DomainPlatform, scope: TenantScope, rawDomain: unknown, actor: Actor): Promise<void> {
  const domain = parseCustomDomain(rawDomain, platform.config);
  const { issuer_domain: issuerDomain } = await readTenantIssuer(platform.db, scope.id);
  if (issuerDomain === domain) await moveIssuer(platform, scope, actor, (current) => ({ issuerForm: current.issuer_form, issuerDomain: current.issuer_domain === domain ? null : current.issuer_domain }));
  await audited(scope, actor, { action: 'domain.removed', target: domain, details: () => ({}) }, async () => {
    if (!(await deleteTenantDomain(platform.db, scope.id, domain))) throw domainNotFound(domain);
  });
  await scope.announce('domains');
}
