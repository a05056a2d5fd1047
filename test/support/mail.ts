import { createTenant } from '../../src/provisioning/tenants.service.ts';
import { openTenantDatabase, type TenantDb } from '../../src/db/tenant-database.ts';
import { announceMail, queueMail } from '../../src/modules/mail/mail.service.ts';
import type { MailTemplateName, MailVariables } from '../../src/modules/mail/mail-names.ts';
import { clusterUrl, openTestPlatform, testConfig, uniqueTenantId, type TestPlatform } from './platform.ts';
import { startTestSmtpServer, type TestSmtpServer } from './smtp.ts';
import { testScope } from './scope.ts';
import type { TenantScope } from '../../src/platform/tenant-scope.ts';

export const TEST_MAIL_FROM = 'no-reply@tansu.test';

export interface MailTestBed {
  platform: TestPlatform;
  smtp: TestSmtpServer;
  /** A tenant, an admin connection to its database for queueing mail and reading the outbox, and a scope on it for the services. */
  tenant(prefix: string, displayName?: string): Promise<{ id: string; db: TenantDb; scope: TenantScope }>;
  close(): Promise<void>;
}

/** A platform whose SMTP_URL points at a real SMTP server started for the test; no sender runs unless the test starts one. */
export async function startMailTestBed(env: Record<string, string> = {}): Promise<MailTestBed> {
  const smtp = await startTestSmtpServer();
  const platform = await openTestPlatform(testConfig({ SMTP_URL: smtp.url, MAIL_FROM: TEST_MAIL_FROM, ...env }));
  const dbs: TenantDb[] = [];
  return {
    platform,
    smtp,
    async tenant(prefix, displayName) {
      const id = uniqueTenantId(prefix);
      const { tenant } = await createTenant(platform, { id, displayName });
      const db = openTenantDatabase(clusterUrl(), tenant.database_name, 2);
      dbs.push(db);
      return { id, db, scope: testScope(platform, id, db) };
    },
    async close() {
      for (const db of dbs) await db.destroy();
      await platform.destroy();
      await smtp.stop();
    },
  };
}

export function variablesFor(to: string, overrides: Partial<MailVariables> = {}): MailVariables {
  return { tenant_name: 'Acme', email: to, link: `https://id.example.test/t/acme/reset?token=${encodeURIComponent(to)}`, expires_in: '30 minutes', ...overrides };
}

/** What a flow does: the mail in the action's transaction, then the announcement after the commit. */
export async function queueTestMail(
  platform: TestPlatform,
  tenant: { id: string; db: TenantDb },
  to: string,
  options: { template?: MailTemplateName; variables?: Partial<MailVariables> } = {},
): Promise<string> {
  const id = await tenant.db.transaction().execute((trx) =>
    queueMail(trx, { template: options.template ?? 'reset_password', to, variables: variablesFor(to, options.variables) }),
  );
  await announceMail(platform, tenant.id);
  return id;
}
