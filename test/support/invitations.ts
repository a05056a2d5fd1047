import { expect } from 'vitest';
import type { Platform } from '../../src/platform/platform.ts';
import type { TenantDb } from '../../src/db/tenant-database.ts';
import type { TenantScope } from '../../src/platform/tenant-scope.ts';
import { accountMailOf } from '../../src/modules/users/account-mail.ts';
import { createInvitation, type MailedInvitation } from '../../src/modules/users/invitations.service.ts';
import { TEST_ACTOR } from './scope.ts';

/**
 * The token of an invitation's link, read from its mail while that is still in the outbox
 * (before a sender erases the bodies): for test beds that run no mail sender. Beds with a real
 * SMTP server read it from the delivered mail instead (account-flows.ts).
 */
export async function invitationTokenIn(db: TenantDb, mailId: string): Promise<string> {
  const mail = await db.selectFrom('mail_outbox').select(['template', 'text_body']).where('id', '=', mailId).executeTakeFirstOrThrow();
  expect(mail.template).toBe('invitation');
  const link = /https?:\/\/\S+\/accept-invitation\?token=([A-Za-z0-9_-]+)/.exec(mail.text_body ?? '');
  expect(link, `an accept-invitation link in "${mail.text_body}"`).not.toBeNull();
  return link![1]!;
}

/** What an admin does (`tansu invite create`), and the token the invitee finds in the mail. */
export async function inviteForTest(
  platform: Platform,
  tenant: TenantScope,
  input: { email: string; roles?: string[]; expiresInDays?: number },
): Promise<MailedInvitation & { token: string }> {
  const mailed = await createInvitation(tenant, { ...input, mail: await accountMailOf(platform, tenant.id) }, TEST_ACTOR);
  return { ...mailed, token: await invitationTokenIn(tenant.db, mailed.mailId) };
}
