import { UsageError, listOption, stringOption, type CommandSpec } from '../command.ts';
import { INVITATION_TTL_DAYS } from '../../modules/users/invitation-ttl.ts';
import { createdInvitationView, invitationView } from '../../modules/users/user-view.ts';

/** The services, loaded only when a command runs: `tansu --help` must not pay for the database layer. */
const services = async () => ({ ...(await import('../../platform/tenant-access.ts')), ...(await import('../../modules/users/invitations.service.ts')) });

export const inviteCreateCommand: CommandSpec = {
  path: ['invite', 'create'],
  args: ['<tenant>'],
  summary: 'Invite an email address to sign up; prints the single-use token once (stored as SHA-256)',
  options: [
    { name: 'email', description: 'the address the invitation is for; signup must use it', required: true },
    { name: 'role', description: 'role granted on signup (repeatable or comma-separated)', type: 'list' },
    { name: 'expires-days', description: `days until the token expires (default ${INVITATION_TTL_DAYS.default}, at most ${INVITATION_TTL_DAYS.max})` },
  ],
  async run(context) {
    const rawDays = stringOption(context.options, 'expires-days');
    const expiresInDays = rawDays === undefined ? undefined : Number(rawDays);
    if (expiresInDays !== undefined && !Number.isInteger(expiresInDays)) throw new UsageError(`--expires-days must be a whole number, got "${rawDays}"`);
    const { withTenantDatabase, createInvitation } = await services();
    const created = await withTenantDatabase(context.platform, context.args[0]!, (db) =>
      createInvitation(db, { email: stringOption(context.options, 'email')!, roles: listOption(context.options, 'role'), expiresInDays }, 'cli'),
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
    const { withTenantDatabase, listInvitations } = await services();
    const invitations = await withTenantDatabase(context.platform, context.args[0]!, (db) => listInvitations(db));
    const header = `${'EMAIL'.padEnd(32)} ${'EXPIRES'.padEnd(24)} ROLES`;
    return { data: invitations.map(invitationView), text: [header, ...invitations.map((i) => `${i.email.padEnd(32)} ${i.expiresAt.padEnd(24)} ${i.roles.join(',') || '-'}`)].join('\n') };
  },
};
