import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressObject } from 'mailparser';
import { buildApp } from '../../src/app.ts';
import { createLogger } from '../../src/logger.ts';
import { openPlatform } from '../../src/platform/platform.ts';
import { metricsRegistry } from '../../src/ops/metrics.ts';
import { deliverDueMail, startMailSender, sweepOutboxes, type DeliveryOptions } from '../../src/jobs/mail-sender.ts';
import { createMailTransport, type MailTransport } from '../../src/modules/mail/mail-transport.ts';
import { countDueTenants } from '../../src/modules/mail/mail-due.repository.ts';
import { announceMail, queueMail } from '../../src/modules/mail/mail.service.ts';
import { updateMailSenderSettings } from '../../src/modules/mail/sender-settings.ts';
import { TEST_ACTOR } from '../support/scope.ts';
import type { TenantDb } from '../../src/db/tenant-database.ts';
import { eventually } from '../support/eventually.ts';
import { queueTestMail, startMailTestBed, TEST_MAIL_FROM, variablesFor, type MailTestBed } from '../support/mail.ts';
import type { ReceivedMail } from '../support/smtp.ts';

let bed: MailTestBed;
let smtp: MailTransport;
beforeAll(async () => {
  bed = await startMailTestBed();
  smtp = createMailTransport(bed.platform.config, bed.platform.log);
});
afterAll(async () => {
  smtp?.close();
  await bed?.close();
});

const firstAddress = (field: AddressObject | AddressObject[] | undefined) => (Array.isArray(field) ? field[0] : field)?.value[0];
const receivedBy = (to: string): ReceivedMail[] => bed.smtp.received.filter((r) => r.envelopeTo.includes(to));
const outboxRow = (db: TenantDb, id: string) => db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

async function deliveries(outcome: string): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('tansu_mail_deliveries_total')!.get();
  return metric.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}

/** Passes until no tenant is due now (what a sender's timer does, without the timer). */
async function drain(options: DeliveryOptions = { transport: smtp }): Promise<void> {
  for (let pass = 0; pass < 20; pass++) {
    const result = await deliverDueMail(bed.platform, options);
    if (result.tenants.length === 0 && !result.more) return;
  }
}

describe('a queued mail', () => {
  it('is delivered over SMTP with the login from SMTP_URL: sender, subject, text and HTML as rendered, values escaped in the HTML', async () => {
    const tenant = await bed.tenant('deliver', 'Acme <Dev> & "Ops"');
    const to = 'ann@deliver.test';
    const sentBefore = await deliveries('sent');
    const id = await queueTestMail(bed.platform, tenant, to, { variables: { tenant_name: 'Acme <Dev> & "Ops"' } });
    expect((await outboxRow(tenant.db, id)).state).toBe('queued');

    const result = await deliverDueMail(bed.platform, { transport: smtp });
    expect(result).toMatchObject({ sent: 1, failed: 0, retried: 0, unreachable: false });
    expect(result.tenants).toEqual([tenant.id]);

    const [received] = receivedBy(to);
    expect(receivedBy(to)).toHaveLength(1);
    expect(received!.user).toBe('tansu');
    expect(received!.envelopeFrom).toBe(TEST_MAIL_FROM);
    const { mail } = received!;
    expect(firstAddress(mail.from)).toEqual({ address: TEST_MAIL_FROM, name: 'Acme <Dev> & "Ops"' });
    expect(mail.replyTo).toBeUndefined();
    expect(firstAddress(mail.to)?.address).toBe(to);
    expect(mail.subject).toBe('Reset your Acme <Dev> & "Ops" password');
    expect(mail.messageId).toBe(`<${id}@tansu.test>`);
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail.text).toContain('Someone asked to reset the password of ann@deliver.test at Acme <Dev> & "Ops"');
    expect(mail.text).toContain('https://id.example.test/t/acme/reset?token=ann%40deliver.test');
    expect(mail.html).toContain('ann@deliver.test at Acme &lt;Dev&gt; &amp; &quot;Ops&quot;');
    expect(mail.html).toContain('href="https://id.example.test/t/acme/reset?token=ann%40deliver.test"');

    const row = await outboxRow(tenant.db, id);
    expect(row).toMatchObject({ state: 'sent', attempts: 0, last_error: null, text_body: null, html_body: null });
    expect(row.sent_at).toBeInstanceOf(Date);
    expect(await deliveries('sent')).toBe(sentBefore + 1);
    // Nothing left: the tenant is no longer due, and the next pass opens no tenant database.
    expect((await deliverDueMail(bed.platform, { transport: smtp })).tenants).toEqual([]);
  });

  it("goes out under its own tenant's sender settings, never another tenant's", async () => {
    const a = await bed.tenant('iso-a', 'Tenant A');
    const b = await bed.tenant('iso-b', 'Tenant B');
    await updateMailSenderSettings(a.scope, { fromName: 'A Support', fromAddress: 'support@a.test', replyTo: 'help@a.test' }, TEST_ACTOR);
    await updateMailSenderSettings(b.scope, { replyTo: 'desk@b.test' }, TEST_ACTOR);
    for (let i = 0; i < 3; i++) {
      await queueTestMail(bed.platform, a, `user${i}@iso-a.test`);
      await queueTestMail(bed.platform, b, `user${i}@iso-b.test`);
    }
    await drain();

    for (let i = 0; i < 3; i++) {
      const [atA] = receivedBy(`user${i}@iso-a.test`);
      expect(atA!.envelopeFrom).toBe('support@a.test');
      expect(firstAddress(atA!.mail.from)).toEqual({ address: 'support@a.test', name: 'A Support' });
      expect(firstAddress(atA!.mail.replyTo)?.address).toBe('help@a.test');
      const [atB] = receivedBy(`user${i}@iso-b.test`);
      expect(atB!.envelopeFrom).toBe(TEST_MAIL_FROM);
      expect(firstAddress(atB!.mail.from)).toEqual({ address: TEST_MAIL_FROM, name: 'Tenant B' });
      expect(firstAddress(atB!.mail.replyTo)?.address).toBe('desk@b.test');
    }
  });

  it('queued in a transaction that rolls back does not exist, and nothing is sent', async () => {
    const tenant = await bed.tenant('rollback');
    const to = 'ann@rollback.test';
    const failure = tenant.db.transaction().execute(async (trx) => {
      await queueMail(trx, { template: 'verify_email', to, variables: variablesFor(to) });
      throw new Error('the action failed after queueing its mail');
    });
    await expect(failure).rejects.toThrow('the action failed');
    // Even announced (a careless caller), it is not there to send; the tenant stops being due.
    await announceMail(bed.platform, tenant.id);
    const result = await deliverDueMail(bed.platform, { transport: smtp });
    expect(result.tenants).toEqual([tenant.id]);
    expect(result.sent).toBe(0);
    expect(await tenant.db.selectFrom('mail_outbox').selectAll().execute()).toEqual([]);
    expect(receivedBy(to)).toEqual([]);
    expect(await countDueTenants(bed.platform.db)).toBe(0);
  });

  it('is delivered exactly once by two nodes racing for the same outboxes', async () => {
    const tenants = [await bed.tenant('race-a'), await bed.tenant('race-b'), await bed.tenant('race-c')];
    const addresses: string[] = [];
    for (const [t, tenant] of tenants.entries()) {
      for (let i = 0; i < 8; i++) {
        const to = `u${i}@race-${t}.test`;
        addresses.push(to);
        await queueTestMail(bed.platform, tenant, to);
      }
    }
    const second = await openPlatform(bed.platform.config, bed.platform.log, { poolMax: 4 });
    const otherSmtp = createMailTransport(second.config, second.log);
    try {
      // One tenant per pass and two mails per visit, so both nodes keep coming back to the same outboxes.
      const small = { tenantsPerPass: 1, batchSize: 2, mailsPerVisit: 2 };
      const node = async (platform: typeof second, transport: MailTransport) => {
        for (let idle = 0; idle < 3; ) {
          const result = await deliverDueMail(platform, { transport, ...small });
          idle = result.tenants.length === 0 ? idle + 1 : 0;
        }
      };
      await Promise.all([node(bed.platform, smtp), node(second, otherSmtp), node(bed.platform, smtp), node(second, otherSmtp)]);
      await drain();
    } finally {
      otherSmtp.close();
      await second.db.destroy();
    }
    for (const to of addresses) expect(receivedBy(to), to).toHaveLength(1);
    for (const tenant of tenants) {
      const states = await tenant.db.selectFrom('mail_outbox').select('state').execute();
      expect(states.map((s) => s.state)).toEqual(Array(8).fill('sent'));
    }
  });

  it('refused for good by the server (550) ends failed with the reply, at the first attempt', async () => {
    const tenant = await bed.tenant('reject');
    const to = 'gone@reject.test';
    bed.smtp.rejectRecipients.add(to);
    const id = await queueTestMail(bed.platform, tenant, to);
    const result = await deliverDueMail(bed.platform, { transport: smtp });
    expect(result).toMatchObject({ failed: 1, sent: 0, unreachable: false });
    const row = await outboxRow(tenant.db, id);
    expect(row).toMatchObject({ state: 'failed', attempts: 1 });
    expect(row.last_error).toMatch(/^EENVELOPE: 550/);
    // Kept, bodies included, for an operator to read and retry; the tenant is no longer due.
    expect(row.text_body).toContain(to);
    expect(await countDueTenants(bed.platform.db)).toBe(0);
  });

  it('deferred by the server (450) is tried again later without holding up the mails behind it, and given up after the last attempt', async () => {
    const tenant = await bed.tenant('defer');
    const busy = 'busy@defer.test';
    bed.smtp.deferRecipients.add(busy);
    const id = await queueTestMail(bed.platform, tenant, busy);
    await queueTestMail(bed.platform, tenant, 'ann@defer.test');
    const options = { transport: smtp, maxAttempts: 2 };
    expect(await deliverDueMail(bed.platform, options)).toMatchObject({ retried: 1, sent: 1, failed: 0, unreachable: false });
    expect(receivedBy('ann@defer.test')).toHaveLength(1);
    const first = await outboxRow(tenant.db, id);
    expect(first).toMatchObject({ state: 'queued', attempts: 1 });
    expect(first.last_error).toMatch(/^EENVELOPE: 450/);
    // The tenant stays due, at the retry's time.
    const due = await bed.platform.db.selectFrom('mail_due_tenants').select('due_at').where('tenant_id', '=', tenant.id).executeTakeFirstOrThrow();
    expect(due.due_at.getTime()).toBe(first.next_attempt_at.getTime());

    await tenant.db.updateTable('mail_outbox').set({ next_attempt_at: new Date(0) }).where('id', '=', id).execute();
    await bed.platform.db.updateTable('mail_due_tenants').set({ due_at: new Date(0) }).where('tenant_id', '=', tenant.id).execute();
    expect(await deliverDueMail(bed.platform, options)).toMatchObject({ failed: 1, retried: 0 });
    expect(await outboxRow(tenant.db, id)).toMatchObject({ state: 'failed', attempts: 2 });
    expect(receivedBy(busy)).toEqual([]);
    bed.smtp.deferRecipients.delete(busy);
  });

  it('whose announcement was lost is found by the outbox sweep and then sent', async () => {
    const tenant = await bed.tenant('sweep');
    const to = 'ann@sweep.test';
    await tenant.db.transaction().execute((trx) => queueMail(trx, { template: 'magic_link', to, variables: variablesFor(to) }));
    expect((await deliverDueMail(bed.platform, { transport: smtp })).tenants).not.toContain(tenant.id);
    expect(receivedBy(to)).toEqual([]);

    expect(await sweepOutboxes(bed.platform)).toEqual([tenant.id]);
    await drain();
    expect(receivedBy(to)).toHaveLength(1);
  });
});

describe('an SMTP outage', () => {
  it('keeps the mail queued with its attempts and next attempt, and it arrives once the server is back', async () => {
    const tenant = await bed.tenant('outage');
    const to = 'ann@outage.test';
    const otherTo = 'bob@outage.test';
    await bed.smtp.stop();
    let sender: ReturnType<typeof startMailSender> | undefined;
    try {
      const id = await queueTestMail(bed.platform, tenant, to);
      const otherId = await queueTestMail(bed.platform, tenant, otherTo);
      // A long first delay: the row can be read while it waits.
      const first = await deliverDueMail(bed.platform, { transport: smtp, retryDelaySeconds: () => 3600 });
      expect(first).toMatchObject({ unreachable: true, sent: 0, failed: 0, retried: 1 });
      const row = await outboxRow(tenant.db, id);
      expect(row).toMatchObject({ state: 'queued', attempts: 1 });
      expect(row.last_error).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION/);
      expect(row.next_attempt_at.getTime()).toBeGreaterThan(row.created_at.getTime() + 3_000_000);
      // The mail behind it was not tried: no attempt counted, the same wait.
      expect(await outboxRow(tenant.db, otherId)).toMatchObject({ state: 'queued', attempts: 0 });

      // Time passes (the retry is due), the server is still away, a running sender keeps trying.
      await tenant.db.updateTable('mail_outbox').set({ next_attempt_at: new Date(0) }).execute();
      await announceMail(bed.platform, tenant.id);
      sender = startMailSender(bed.platform, { intervalSeconds: 0.2, transport: smtp, retryDelaySeconds: () => 0.5 });
      await eventually(async () => (await outboxRow(tenant.db, id)).attempts >= 2, 'a second attempt');
      expect(receivedBy(to)).toEqual([]);

      await bed.smtp.start();
      await eventually(async () => receivedBy(to).length === 1 && receivedBy(otherTo).length === 1, 'both mails arriving');
      expect((await outboxRow(tenant.db, id)).state).toBe('sent');
      expect((await outboxRow(tenant.db, otherId)).state).toBe('sent');
    } finally {
      await sender?.stop();
      await bed.smtp.start();
    }
  });
});

describe('without SMTP_URL', () => {
  it('keeps the mail as logged and writes its subject and links to the log', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const capture = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
        done();
      },
    });
    const log = createLogger({ logLevel: 'info' }, capture);
    const transport = createMailTransport({ ...bed.platform.config, smtpUrl: undefined }, log);
    expect(transport.kind).toBe('log');
    const tenant = await bed.tenant('logged');
    const to = 'ann@logged.test';
    const id = await queueTestMail(bed.platform, tenant, to, { template: 'verify_email' });
    const result = await deliverDueMail(bed.platform, { transport });
    expect(result).toMatchObject({ logged: 1, sent: 0 });
    expect(await outboxRow(tenant.db, id)).toMatchObject({ state: 'logged', text_body: null });
    expect(receivedBy(to)).toEqual([]);
    const line = lines.find((l) => l.to === to);
    expect(line).toMatchObject({
      tenant: tenant.id,
      subject: 'Confirm your email address for Acme',
      links: ['https://id.example.test/t/acme/reset?token=ann%40logged.test'],
    });
    expect(line!.text).toContain('https://id.example.test/t/acme/reset?token=ann%40logged.test');
  });
});

describe('the server', () => {
  it('runs a sender that wakes when mail is announced, and stops it on close', async () => {
    const platform = await openPlatform({ ...bed.platform.config, mailSendIntervalSeconds: 3600 }, bed.platform.log, { poolMax: 4 });
    const app = await buildApp({ platform });
    try {
      await app.ready();
      const tenant = await bed.tenant('app');
      const to = 'ann@app.test';
      // Queued and announced in this process: an hour-long interval does not make it wait.
      await tenant.db.transaction().execute((trx) => queueMail(trx, { template: 'invitation', to, variables: variablesFor(to) }));
      await announceMail(platform, tenant.id);
      await eventually(() => receivedBy(to).length === 1, 'the mail arriving');
      expect(receivedBy(to)[0]!.mail.subject).toBe('You are invited to Acme');
    } finally {
      await app.close();
      await platform.db.destroy();
    }
  });
});
