import { UsageError, listOption, stringOption, type CommandSpec, type ParsedOptions } from '../command.ts';
import { INVITATION_TTL_DAYS } from '../../modules/users/invitation-ttl.ts';
import { invitationView, mailedInvitationView } from '../../modules/users/user-view.ts';

/** The services, loaded only when a command runs: `tansu --help` must not pay for the database layer. */
const services = async () => ({
  ...(await import('../../platform/tenant-access.ts')),
  ...(await import('../../modules/users/invitations.service.ts')),
  ...(await import('../../modules/users/account-mail.ts')),
  ...(await import('../../platform/tenant-scope.ts')),
  ...(await import('../../db/page.ts')),
});

/** `--expires-days`, judged here so the error names the flag the user typed. */
function expiresInDays(options: ParsedOptions): number | undefined {
  const raw = stringOption(options, 'expires-days');
  if (raw === undefined) return undefined;
  const days = Number(raw);
  if (!/^\d+$/.test(raw) || days < 1 || days > INVITATION_TTL_DAYS.max) {
    throw new UsageError(`--expires-days must be a whole number of days from 1 to ${INVITATION_TTL_DAYS.max}, got "${raw}"`);
  }
  return days;
}

const expiresDaysOption = {
  name: 'expires-days',
  description: `days until the link expires (default ${INVITATION_TTL_DAYS.default}, at most ${INVITATION_TTL_DAYS.max})`,
};

export const inviteCreateCommand: CommandSpec = {
  path: ['invite', 'create'],
  args: ['<tenant>'],
  summary: 'Invite an email address: mails it a link to accept (set a name and password); the token is in the mail only',
  options: [
    { name: 'email', description: 'the address the invitation is for; the account gets it, verified', required: true },
    { name: 'role', description: 'role granted with the account (repeatable or comma-separated)', type: 'list' },
    expiresDaysOption,
  ],
  validate({ options }) {
    expiresInDays(options);
  },
  async run(context) {
    const expiresIn = expiresInDays(context.options);
    const { withTenantScope, createInvitation, accountMailOf, CLI_ACTOR } = await services();
    const mailed = await withTenantScope(context.platform, context.args[0]!, async (scope) =>
      createInvitation(
        scope,
        { email: stringOption(context.options, 'email')!, roles: listOption(context.options, 'role'), expiresInDays: expiresIn, mail: await accountMailOf(context.platform, scope.id) },
        CLI_ACTOR,
      ),
    );
    const { invitation, mailId } = mailed;
    return {
      data: mailedInvitationView(mailed),
      text: [`invited ${invitation.email} (${invitation.id}), link valid until ${invitation.expiresAt}`, `  mail  ${mailId}   (queued; tansu mail list shows its delivery)`].join('\n'),
    };
  },
};

export const inviteListCommand: CommandSpec = {
  path: ['invite', 'list'],
  args: ['<tenant>'],
  summary: "List a tenant's pending (unused, unexpired) invitations",
  async run(context) {
    const { withTenantScope, listInvitations, allPages } = await services();
    const invitations = await withTenantScope(context.platform, context.args[0]!, (scope) => allPages((page) => listInvitations(scope, page)));
    const header = `${'EMAIL'.padEnd(32)} ${'ID'.padEnd(36)}  ${'EXPIRES'.padEnd(24)} ROLES`;
    const row = (i: (typeof invitations)[number]) => `${i.email.padEnd(32)} ${i.id}  ${i.expiresAt.padEnd(24)} ${i.roles.join(',') || '-'}`;
    return { data: invitations.map(invitationView), text: [header, ...invitations.map(row)].join('\n') };
  },
};

export const inviteResendCommand: CommandSpec = {
  path: ['invite', 'resend'],
  args: ['<tenant>', '<id>'],
  summary: 'Mail an unused invitation again under a new link; the earlier link stops working',
  options: [expiresDaysOption],
  validate({ options }) {
    expiresInDays(options);
  },
  async run(context) {
    const expiresIn = expiresInDays(context.options);
    const { withTenantScope, resendInvitation, accountMailOf, CLI_ACTOR } = await services();
    const mailed = await withTenantScope(context.platform, context.args[0]!, async (scope) =>
      resendInvitation(scope, context.args[1]!, { expiresInDays: expiresIn, mail: await accountMailOf(context.platform, scope.id) }, CLI_ACTOR),
    );
    const { invitation, mailId } = mailed;
    return {
      data: mailedInvitationView(mailed),
      text: [`sent the invitation of ${invitation.email} again, link valid until ${invitation.expiresAt}`, `  mail  ${mailId}`].join('\n'),
    };
  },
};

export const inviteRevokeCommand: CommandSpec = {
  path: ['invite', 'revoke'],
  args: ['<tenant>', '<id>'],
  summary: 'Withdraw an unused invitation: its link then says it is no longer valid',
  async run(context) {
    const { withTenantScope, revokeInvitation, CLI_ACTOR } = await services();
    const revoked = await withTenantScope(context.platform, context.args[0]!, (scope) => revokeInvitation(scope, context.args[1]!, CLI_ACTOR));
    return { data: invitationView(revoked), text: `revoked the invitation of ${revoked.email} (${revoked.id})` };
  },
};
