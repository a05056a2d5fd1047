import { UsageError, listOption, stringOption, type CommandSpec, type ParsedOptions } from '../command.ts';
import { INVITATION_TTL_DAYS } from '../../modules/users/invitation-ttl.ts';
import { createdInvitationView, invitationView } from '../../modules/users/user-view.ts';

/** The services, loaded only when a command runs: `tansu --help` must not pay for the database layer. */
const services = async () => ({
  ...(await import('../../platform/tenant-access.ts')),
  ...(await import('../../modules/users/invitations.service.ts')),
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

export const inviteCreateCommand: CommandSpec = {
  path: ['invite', 'create'],
  args: ['<tenant>'],
  summary: 'Invite an email address to sign up; prints the single-use token once (stored as SHA-256)',
  options: [
    { name: 'email', description: 'the address the invitation is for; signup must use it', required: true },
    { name: 'role', description: 'role granted on signup (repeatable or comma-separated)', type: 'list' },
    { name: 'expires-days', description: `days until the token expires (default ${INVITATION_TTL_DAYS.default}, at most ${INVITATION_TTL_DAYS.max})` },
  ],
  validate({ options }) {
    expiresInDays(options);
  },
  async run(context) {
    const expiresIn = expiresInDays(context.options);
    const { withTenantScope, createInvitation, CLI_ACTOR } = await services();
    const created = await withTenantScope(context.platform, context.args[0]!, (scope) =>
      createInvitation(scope, { email: stringOption(context.options, 'email')!, roles: listOption(context.options, 'role'), expiresInDays: expiresIn }, CLI_ACTOR),
    );
    const { invitation, token } = created;
    return {
      data: createdInvitationView(created),
      text: [
        `invited ${invitation.email} (expires ${invitation.expiresAt})`,
        `  token  ${token}   (shown once; single use)`,
      ].join('\n'),
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
    const header = `${'EMAIL'.padEnd(32)} ${'EXPIRES'.padEnd(24)} ROLES`;
    return { data: invitations.map(invitationView), text: [header, ...invitations.map((i) => `${i.email.padEnd(32)} ${i.expiresAt.padEnd(24)} ${i.roles.join(',') || '-'}`)].join('\n') };
  },
};
