import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { IssuerForm, PlatformDatabase } from '../db/schema.ts';
import { tenantNotFound } from '../errors.ts';

/**
 * The registry's part in how tenants are reached: their custom domains and where each one's
 * issuer lives (platform/issuer.ts). All SQL on `tenant_domains` and on the issuer columns of
 * `tenants` is here.
 */

type Db = Kysely<PlatformDatabase> | Transaction<PlatformDatabase>;
export type TenantDomainRow = Selectable<PlatformDatabase['tenant_domains']>;

/** What a tenant's issuer is made of, and the issuer it had before its last move. */
export interface TenantIssuerRow {
  id: string;
  issuer_form: IssuerForm;
  issuer_domain: string | null;
  previous_issuer: string | null;
  previous_issuer_until: Date | null;
}

export function listTenantDomains(db: Db, tenantId: string): Promise<TenantDomainRow[]> {
  return db.selectFrom('tenant_domains').selectAll().where('tenant_id', '=', tenantId).orderBy('domain').execute();
}

export function findTenantDomain(db: Db, tenantId: string, domain: string): Promise<TenantDomainRow | undefined> {
  return db.selectFrom('tenant_domains').selectAll().where('tenant_id', '=', tenantId).where('domain', '=', domain).executeTakeFirst();
}

export async function countTenantDomains(db: Db, tenantId: string): Promise<number> {
  const row = await db.selectFrom('tenant_domains').select((eb) => eb.fn.countAll<string>().as('count')).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
  return Number(row.count);
}

/** The tenant holding `domain` verified, if any (at most one: the partial unique index). */
export async function verifiedHolderOf(db: Db, domain: string): Promise<string | undefined> {
  const row = await db.selectFrom('tenant_domains').select('tenant_id').where('domain', '=', domain).where('status', '=', 'verified').executeTakeFirst();
  return row?.tenant_id;
}

/** A new claim; undefined when this tenant already claimed the name. */
export function insertTenantDomain(db: Db, claim: { tenantId: string; domain: string; challenge: string }): Promise<TenantDomainRow | undefined> {
  return db
    .insertInto('tenant_domains')
    .values({ tenant_id: claim.tenantId, domain: claim.domain, challenge: claim.challenge, status: 'pending' })
    .onConflict((oc) => oc.columns(['tenant_id', 'domain']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** Pending → verified. Throws the unique violation (23505) when another tenant holds the name verified. */
export function markDomainVerified(db: Db, tenantId: string, domain: string): Promise<TenantDomainRow | undefined> {
  return db
    .updateTable('tenant_domains')
    .set({ status: 'verified', verified_at: sql<Date>`now()` })
    .where('tenant_id', '=', tenantId)
    .where('domain', '=', domain)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteTenantDomain(db: Db, tenantId: string, domain: string): Promise<boolean> {
  const result = await db.deleteFrom('tenant_domains').where('tenant_id', '=', tenantId).where('domain', '=', domain).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

const ISSUER_COLUMNS = ['id', 'issuer_form', 'issuer_domain', 'previous_issuer', 'previous_issuer_until'] as const;

export async function readTenantIssuer(db: Db, tenantId: string): Promise<TenantIssuerRow> {
  const row = await db.selectFrom('tenants').select(ISSUER_COLUMNS).where('id', '=', tenantId).executeTakeFirst();
  if (!row) throw tenantNotFound(tenantId);
  return row;
}

/** The same row, locked until the transaction ends: issuer changes of one tenant happen one at a time. */
export async function lockTenantIssuer(trx: Transaction<PlatformDatabase>, tenantId: string): Promise<TenantIssuerRow> {
  const row = await trx.selectFrom('tenants').select(ISSUER_COLUMNS).where('id', '=', tenantId).forUpdate().executeTakeFirst();
  if (!row) throw tenantNotFound(tenantId);
  return row;
}

/** A new issuer: the form and domain it is made of, and the one it replaces with the end of its grace. */
export async function updateTenantIssuer(
  trx: Transaction<PlatformDatabase>,
  tenantId: string,
  change: { issuerForm: IssuerForm; issuerDomain: string | null; previousIssuer: string | null; previousIssuerUntil: Date | null },
): Promise<void> {
  await trx
    .updateTable('tenants')
    .set({
      issuer_form: change.issuerForm,
      issuer_domain: change.issuerDomain,
      previous_issuer: change.previousIssuer,
      previous_issuer_until: change.previousIssuerUntil,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', tenantId)
    .execute();
}

/** Every claimed name with its tenant and status: what the host directory of a node holds. */
export function listDomainClaims(db: Db): Promise<Pick<TenantDomainRow, 'domain' | 'tenant_id' | 'status'>[]> {
  return db.selectFrom('tenant_domains').select(['domain', 'tenant_id', 'status']).execute();
}

/** Tenants whose issuer is not in the path form: the only ones a path request may be redirected for. */
export function listHostIssuers(db: Db): Promise<Pick<TenantIssuerRow, 'id' | 'issuer_form' | 'issuer_domain'>[]> {
  return db
    .selectFrom('tenants')
    .select(['id', 'issuer_form', 'issuer_domain'])
    .where((eb) => eb.or([eb('issuer_form', '<>', 'path'), eb('issuer_domain', 'is not', null)]))
    .execute();
}

/** The tenant whose issuer lives on `domain` (an active custom domain), if any. */
export async function tenantOfIssuerDomain(db: Db, domain: string): Promise<{ id: string; status: PlatformDatabase['tenants']['status'] } | undefined> {
  return db.selectFrom('tenants').select(['id', 'status']).where('issuer_domain', '=', domain).executeTakeFirst();
}
