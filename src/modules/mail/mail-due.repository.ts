import { sql, type Kysely } from 'kysely';
import type { PlatformDatabase } from '../../db/schema.ts';

/**
 * `mail_due_tenants` in the platform database: which tenants' outboxes need a sender, and from
 * when. One row per tenant however much mail it has; `generation` counts announcements.
 */
type Db = Kysely<PlatformDatabase>;

export interface DueTenant {
  tenant_id: string;
  generation: string;
}

/**
 * The tenant has mail due at `dueAt` (default now). An earlier time already recorded stays, and
 * a sender's lease (a time in the future) gives way to now: mail announced while a sender works
 * on the tenant is looked at again soon, by whichever sender comes first.
 */
export async function markTenantMailDue(db: Db, tenantId: string, dueAt?: Date): Promise<void> {
  const due = dueAt ?? sql<Date>`now()`;
  await db
    .insertInto('mail_due_tenants')
    .values({ tenant_id: tenantId, due_at: due })
    .onConflict((oc) =>
      oc.column('tenant_id').doUpdateSet({
        due_at: sql<Date>`least(mail_due_tenants.due_at, excluded.due_at)`,
        generation: sql<string>`mail_due_tenants.generation + 1`,
      }),
    )
    .execute();
}

/**
 * Takes up to `limit` tenants whose mail is due, pushing their time `leaseSeconds` ahead so other
 * senders pass them by meanwhile (and take them over if this one dies). SKIP LOCKED: two senders
 * polling at once take different tenants.
 */
export async function claimDueTenants(db: Db, options: { limit: number; leaseSeconds: number }): Promise<DueTenant[]> {
  return db
    .updateTable('mail_due_tenants')
    .set({ due_at: sql<Date>`now() + make_interval(secs => ${options.leaseSeconds})` })
    .where('tenant_id', 'in', (eb) =>
      eb
        .selectFrom('mail_due_tenants')
        .select('tenant_id')
        .where('due_at', '<=', sql<Date>`now()`)
        .orderBy('due_at')
        .limit(options.limit)
        .forUpdate()
        .skipLocked(),
    )
    .returning(['tenant_id', 'generation'])
    .execute();
}

/**
 * After a visit: when the tenant's mail is next due, or null when its outbox has nothing pending.
 * Only if no mail was announced since the claim (same generation); otherwise the row already says
 * "due now" and must stay.
 */
export async function settleDueTenant(db: Db, claim: DueTenant, nextDueAt: Date | null): Promise<void> {
  if (nextDueAt === null) {
    await db.deleteFrom('mail_due_tenants').where('tenant_id', '=', claim.tenant_id).where('generation', '=', claim.generation).execute();
    return;
  }
  await db
    .updateTable('mail_due_tenants')
    .set({ due_at: nextDueAt })
    .where('tenant_id', '=', claim.tenant_id)
    .where('generation', '=', claim.generation)
    .execute();
}

/** Puts a claimed tenant back, due in `delaySeconds` (the SMTP server or its database is away). */
export async function postponeDueTenant(db: Db, claim: DueTenant, delaySeconds: number): Promise<void> {
  await db
    .updateTable('mail_due_tenants')
    .set({ due_at: sql<Date>`now() + make_interval(secs => ${delaySeconds})` })
    .where('tenant_id', '=', claim.tenant_id)
    .where('generation', '=', claim.generation)
    .execute();
}

/** A tenant that no longer serves (deleted, failed) has no mail to send. */
export async function forgetDueTenant(db: Db, tenantId: string): Promise<void> {
  await db.deleteFrom('mail_due_tenants').where('tenant_id', '=', tenantId).execute();
}

export async function countDueTenants(db: Db): Promise<number> {
  const row = await db.selectFrom('mail_due_tenants').select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirst();
  return Number(row?.count ?? 0);
}
