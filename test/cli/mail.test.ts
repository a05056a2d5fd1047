import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverDueMail } from '../../src/jobs/mail-sender.ts';
import { createMailTransport, type MailTransport } from '../../src/modules/mail/mail-transport.ts';
import { readMailSenderSettings } from '../../src/modules/mail/sender-settings.ts';
import type { TenantDb } from '../../src/db/tenant-database.ts';
import type { TenantScope } from '../../src/platform/tenant-scope.ts';
import { cliEnv, runTansu } from '../support/cli.ts';
import { queueTestMail, startMailTestBed, type MailTestBed } from '../support/mail.ts';

let bed: MailTestBed;
let smtp: MailTransport;
let env: Record<string, string>;
let tenant: { id: string; db: TenantDb; scope: TenantScope };
let failedId: string;
let sentId: string;

const tansu = (...args: string[]) => runTansu(args, env);
const noStack = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at /);

beforeAll(async () => {
  bed = await startMailTestBed();
  smtp = createMailTransport(bed.platform.config, bed.platform.log);
  env = cliEnv(bed.platform.config);
  tenant = await bed.tenant('climail');
  bed.smtp.rejectRecipients.add('gone@climail.test');
  failedId = await queueTestMail(bed.platform, tenant, 'gone@climail.test');
  sentId = await queueTestMail(bed.platform, tenant, 'ann@climail.test');
  await deliverDueMail(bed.platform, { transport: smtp });
});
afterAll(async () => {
  smtp?.close();
  await bed?.close();
});

describe('tansu mail list', () => {
  it('shows a permanently refused mail as failed, with its attempts and the server reply (JSON in snake_case)', async () => {
    const run = await tansu('mail', 'list', tenant.id, '--state', 'failed', '--json');
    expect(run.code, run.stderr).toBe(0);
    const mails = JSON.parse(run.stdout) as Array<Record<string, unknown>>;
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ id: failedId, to_address: 'gone@climail.test', template: 'reset_password', state: 'failed', attempts: 1 });
    expect(mails[0]!.last_error).toMatch(/^EENVELOPE: 550/);
    expect(Object.keys(mails[0]!).sort()).toEqual(
      ['attempts', 'created_at', 'id', 'last_error', 'next_attempt_at', 'sent_at', 'state', 'subject', 'template', 'to_address'].sort(),
    );

    const table = await tansu('mail', 'list', tenant.id);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+STATE\s+TO\s+TEMPLATE\s+ATTEMPTS/);
    expect(table.stdout).toMatch(new RegExp(`${failedId}\\s+failed\\s+gone@climail.test`));
    expect(table.stdout).toMatch(new RegExp(`${sentId}\\s+sent\\s+ann@climail.test`));
  });

  it('refuses an unknown state before touching the database (exit 2)', async () => {
    const run = await tansu('mail', 'list', tenant.id, '--state', 'lost');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--state must be one of queued, sending, sent, failed, logged');
    noStack(run.stderr);
  });
});

describe('tansu mail retry', () => {
  it('queues a failed mail again, which is then delivered', async () => {
    bed.smtp.rejectRecipients.delete('gone@climail.test');
    const run = await tansu('mail', 'retry', tenant.id, failedId, '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ id: failedId, state: 'queued', to_address: 'gone@climail.test' });
    // The command announced it: the next pass finds the tenant without a sweep.
    await deliverDueMail(bed.platform, { transport: smtp });
    expect(bed.smtp.received.filter((r) => r.envelopeTo.includes('gone@climail.test'))).toHaveLength(1);
    const row = await tenant.db.selectFrom('mail_outbox').select(['state', 'attempts']).where('id', '=', failedId).executeTakeFirstOrThrow();
    expect(row).toEqual({ state: 'sent', attempts: 0 });
  });

  it('refuses a mail that is not failed, and one that does not exist, on stderr with exit 1', async () => {
    const notFailed = await tansu('mail', 'retry', tenant.id, sentId);
    expect(notFailed.code).toBe(1);
    expect(notFailed.stderr).toContain('(mail_not_failed)');
    expect(notFailed.stdout).toBe('');
    const unknown = await tansu('mail', 'retry', tenant.id, 'not-a-mail-id', '--json');
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stderr)).toMatchObject({ error: 'mail_not_found' });
    noStack(unknown.stderr);
  });
});

describe('tansu mail sender and template', () => {
  it("sets the tenant's sender, and refuses an address that is none (exit 2)", async () => {
    const run = await tansu('mail', 'sender', tenant.id, '--from-name', 'Acme Support', '--reply-to', 'Help@Acme.test', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ from_name: 'Acme Support', from_address: null, reply_to: 'help@acme.test' });
    expect(await readMailSenderSettings(tenant)).toEqual({ fromName: 'Acme Support', fromAddress: null, replyTo: 'help@acme.test' });

    const bad = await tansu('mail', 'sender', tenant.id, '--from-address', 'not an address');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('(invalid_email)');
    expect((await readMailSenderSettings(tenant)).fromAddress).toBeNull();
  });

  it('refuses a template with a placeholder no flow fills (exit 2), and an unknown template name', async () => {
    const bad = await tansu('mail', 'template', tenant.id, 'magic_link', '--subject', 'Your {{password}}');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('(invalid_template)');
    const unknown = await tansu('mail', 'template', tenant.id, 'welcome');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('<name> must be one of verify_email, reset_password, invitation, magic_link');
  });
});
