import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openTenantDatabase, type TenantDb } from '../../../src/db/tenant-database.ts';
import { claimDueMail, enqueueMail, markMailFailed, requeueFailedMail } from '../../../src/modules/mail/mail-outbox.repository.ts';
import { claimDueTenants, markTenantMailDue, settleDueTenant } from '../../../src/modules/mail/mail-due.repository.ts';
import { findTenant } from '../../../src/platform/tenants.repository.ts';
import { clusterUrl } from '../../support/platform.ts';
import { startMailTestBed, variablesFor, type MailTestBed } from '../../support/mail.ts';
import { queueMail } from '../../../src/modules/mail/mail.service.ts';
import { isAppError } from '../../../src/errors.ts';

let bed: MailTestBed;
beforeAll(async () => {
  bed = await startMailTestBed();
});
afterAll(async () => {
  await bed?.close();
});

const mail = (to: string) => ({ to, template: 'reset_password', subject: 'Reset', text: `text for ${to}`, html: `<p>${to}</p>` });

describe('the tenant outbox', () => {
  it('holds a mail only if the transaction that queued it commits', async () => {
    const { db } = await bed.tenant('outbox-tx');
    await expect(
      db.transaction().execute(async (trx) => {
        await enqueueMail(trx, mail('rolled@back.test'));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const id = await db.transaction().execute((trx) => enqueueMail(trx, mail('committed@tx.test')));
    const rows = await db.selectFrom('mail_outbox').select(['id', 'to_address', 'state', 'attempts']).execute();
    expect(rows).toEqual([{ id, to_address: 'committed@tx.test', state: 'queued', attempts: 0 }]);
  });

  it('takes one recipient address per mail, never a list', async () => {
    const { db } = await bed.tenant('outbox-to');
    for (const to of ['ann@to.test, eve@evil.test', 'Ann <ann@to.test>', 'not an address']) {
      const error = await db.transaction().execute((trx) => queueMail(trx, { template: 'verify_email', to, variables: variablesFor('ann@to.test') })).catch((e: unknown) => e);
      expect(isAppError(error) && error.code, to).toBe('invalid_email');
    }
    expect(await db.selectFrom('mail_outbox').selectAll().execute()).toEqual([]);
  });

  it('hands each due mail to exactly one of several senders claiming at once', async () => {
    const { id } = await bed.tenant('outbox-race');
    const tenant = (await findTenant(bed.platform.db, id))!;
    // Four senders, each with its own connection, as on four nodes.
    const senders = Array.from({ length: 4 }, () => openTenantDatabase(clusterUrl(), tenant.database_name, 1));
    try {
      const queued: string[] = [];
      for (let i = 0; i < 60; i++) queued.push(await enqueueMail(senders[0]!, mail(`u${i}@race.test`)));
      const claimed: string[] = [];
      await Promise.all(
        senders.map(async (db) => {
          for (;;) {
            const batch = await claimDueMail(db, { limit: 3, leaseSeconds: 600 });
            if (batch.length === 0) return;
            claimed.push(...batch.map((m) => m.id));
          }
        }),
      );
      expect(claimed).toHaveLength(60);
      expect(new Set(claimed)).toEqual(new Set(queued));
    } finally {
      for (const db of senders) await db.destroy();
    }
  });

  it("gives a claimed mail to another sender only once the claim's lease has run out", async () => {
    const { db } = await bed.tenant('outbox-lease');
    const id = await enqueueMail(db, mail('ann@lease.test'));
    expect((await claimDueMail(db, { limit: 10, leaseSeconds: 600 })).map((m) => m.id)).toEqual([id]);
    expect(await claimDueMail(db, { limit: 10, leaseSeconds: 600 })).toEqual([]);
    // The first sender died: its lease ends.
    await sql`UPDATE mail_outbox SET next_attempt_at = now() - interval '1 second'`.execute(db);
    expect((await claimDueMail(db, { limit: 10, leaseSeconds: 600 })).map((m) => m.id)).toEqual([id]);
  });

  it('queues again only a failed mail, with its attempts from zero', async () => {
    const { db } = await bed.tenant('outbox-retry');
    const id = await enqueueMail(db, mail('ann@retry.test'));
    expect(await requeueFailedMail(db, id)).toBeUndefined();
    await markMailFailed(db, id, 15, 'ETIMEDOUT: gave up');
    expect(await requeueFailedMail(db, id)).toMatchObject({ id, state: 'queued', attempts: 0, last_error: null });
  });
});

describe('the due-tenant list', () => {
  it('keeps a tenant due when mail was announced while a sender looked at its outbox', async () => {
    const { id } = await bed.tenant('due-gen');
    await markTenantMailDue(bed.platform.db, id);
    const [claim] = (await claimDueTenants(bed.platform.db, { limit: 100, leaseSeconds: 300 })).filter((c) => c.tenant_id === id);
    expect(claim).toBeDefined();
    // Claimed: leased into the future, so no other sender takes it.
    expect((await claimDueTenants(bed.platform.db, { limit: 100, leaseSeconds: 300 })).map((c) => c.tenant_id)).not.toContain(id);

    // The sender found the outbox empty, but a mail was announced meanwhile: the row stays, due now.
    await markTenantMailDue(bed.platform.db, id);
    await settleDueTenant(bed.platform.db, claim!, null);
    const again = (await claimDueTenants(bed.platform.db, { limit: 100, leaseSeconds: 300 })).filter((c) => c.tenant_id === id);
    expect(again).toHaveLength(1);

    // Nothing announced during this visit: the row goes.
    await settleDueTenant(bed.platform.db, again[0]!, null);
    const left = await bed.platform.db.selectFrom('mail_due_tenants').select('tenant_id').where('tenant_id', '=', id).execute();
    expect(left).toEqual([]);
  });
});
