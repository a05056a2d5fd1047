import { UsageError, listOption, stringOption, type CommandSpec } from '../command.ts';
import type { UserSummary } from '../../modules/users/users.service.ts';
import { createdUserView, userView } from '../../modules/users/user-view.ts';

/** The services, loaded only when a command runs: `tansu --help` must not pay for the database layer. */
const services = async () => ({
  ...(await import('../../platform/tenant-access.ts')),
  ...(await import('../../modules/users/users.service.ts')),
  ...(await import('../../modules/users/user-account.service.ts')),
  ...(await import('../../platform/tenant-scope.ts')),
  ...(await import('../../db/page.ts')),
});

export const userCreateCommand: CommandSpec = {
  path: ['user', 'create'],
  args: ['<tenant>'],
  summary: 'Create a user (argon2id password); without one (flag, file or prompt) one is generated and printed once',
  options: [
    { name: 'email', description: 'sign-in email, unique within the tenant', required: true },
    {
      name: 'password',
      description: 'at least 10 characters (default: a generated one, printed once); visible in ps: prefer --password-file',
      secret: { prompt: 'Password for the new user' },
    },
    { name: 'name', description: 'display name' },
    { name: 'role', description: 'role name to grant (repeatable or comma-separated)', type: 'list' },
    { name: 'verified', description: 'mark the email as verified', type: 'boolean' },
  ],
  async run(context) {
    const { withTenantScope, createUser, CLI_ACTOR } = await services();
    const created = await withTenantScope(context.platform, context.args[0]!, (scope) =>
      createUser(
        scope,
        {
          email: stringOption(context.options, 'email')!,
          password: stringOption(context.options, 'password'),
          name: stringOption(context.options, 'name'),
          roles: listOption(context.options, 'role'),
          emailVerified: context.options.verified === true,
        },
        CLI_ACTOR,
      ),
    );
    const lines = [`created user ${created.user.email} (${created.user.id})`];
    if (created.user.roles.length > 0) lines.push(`  roles     ${created.user.roles.join(', ')}`);
    if (created.generatedPassword) lines.push(`  password  ${created.generatedPassword}   (shown once; only its hash is stored)`);
    return { data: createdUserView(created), text: lines.join('\n') };
  },
};

function row(user: UserSummary): string {
  const state = user.status === 'disabled' ? 'disabled' : user.lockedUntil ? `locked until ${user.lockedUntil}` : 'active';
  return `${user.email.padEnd(32)} ${user.id}  ${state.padEnd(8)}  ${user.roles.join(',') || '-'}`;
}

export const userListCommand: CommandSpec = {
  path: ['user', 'list'],
  args: ['<tenant>'],
  summary: "List a tenant's users with their roles and state",
  async run(context) {
    const { withTenantScope, listUsers, allPages } = await services();
    const users = await withTenantScope(context.platform, context.args[0]!, (scope) => allPages((page) => listUsers(scope, page)));
    const header = `${'EMAIL'.padEnd(32)} ${'ID'.padEnd(36)}  ${'STATE'.padEnd(8)}  ROLES`;
    return { data: users.map(userView), text: [header, ...users.map(row)].join('\n') };
  },
};

/** The account-mail services, loaded only when a command runs. */
const mailServices = async () => ({
  ...(await import('../../platform/tenant-access.ts')),
  ...(await import('../../platform/tenant-scope.ts')),
  ...(await import('../../modules/users/account-mail.ts')),
  ...(await import('../../modules/users/password-reset.service.ts')),
  ...(await import('../../modules/users/email-verification.service.ts')),
});

export const userSendResetCommand: CommandSpec = {
  path: ['user', 'send-reset'],
  args: ['<tenant>'],
  summary: 'Mail a user a password-reset link (30 minutes, single use); the new password signs the user out everywhere',
  options: [{ name: 'email', description: "the user's sign-in email", required: true }],
  async run(context) {
    const { withTenantScope, accountMailOf, sendPasswordReset, CLI_ACTOR } = await mailServices();
    const sent = await withTenantScope(context.platform, context.args[0]!, async (scope) =>
      sendPasswordReset(scope, { email: stringOption(context.options, 'email')!, mail: await accountMailOf(context.platform, scope.id) }, CLI_ACTOR),
    );
    return { data: sent, text: `queued a reset link for ${sent.email} (mail ${sent.mail_id}, link valid until ${sent.expires_at})` };
  },
};

export const userResendVerificationCommand: CommandSpec = {
  path: ['user', 'resend-verification'],
  args: ['<tenant>'],
  summary: "Mail a user a new link to confirm their address (24 hours); refused when it is already confirmed",
  options: [{ name: 'email', description: "the user's sign-in email", required: true }],
  async run(context) {
    const { withTenantScope, accountMailOf, sendVerificationMail, CLI_ACTOR } = await mailServices();
    const sent = await withTenantScope(context.platform, context.args[0]!, async (scope) =>
      sendVerificationMail(scope, { email: stringOption(context.options, 'email')!, mail: await accountMailOf(context.platform, scope.id) }, CLI_ACTOR),
    );
    return { data: sent, text: `queued a verification link for ${sent.email} (mail ${sent.mail_id}, link valid until ${sent.expires_at})` };
  },
};

const emailOption = { name: 'email', description: "the user's sign-in email", required: true };

/** `user disable` and `user enable`: the services the admin API's /disable and /enable call. */
function userStatusCommand(action: 'disable' | 'enable'): CommandSpec {
  return {
    path: ['user', action],
    args: ['<tenant>'],
    summary:
      action === 'disable'
        ? 'Disable a user: sign-in is refused, and their sessions, grants and refresh tokens stop working at once'
        : 'Enable a disabled user (what disabling revoked stays revoked)',
    options: [emailOption],
    async run(context) {
      const { withTenantScope, getUserByEmail, disableUser, enableUser, CLI_ACTOR } = await services();
      const change = action === 'disable' ? disableUser : enableUser;
      const user = await withTenantScope(context.platform, context.args[0]!, async (scope) => {
        const { id } = await getUserByEmail(scope, stringOption(context.options, 'email')!);
        return change(scope, { userId: id }, CLI_ACTOR);
      });
      return { data: userView(user), text: `${user.email} (${user.id}) is ${user.status}` };
    },
  };
}

export const userDisableCommand = userStatusCommand('disable');
export const userEnableCommand = userStatusCommand('enable');

export const userDeleteCommand: CommandSpec = {
  path: ['user', 'delete'],
  args: ['<tenant>'],
  summary: 'Delete a user for good, with their sessions, grants and tokens (needs --yes)',
  options: [emailOption, { name: 'yes', description: 'confirm: the account and its sign-in history are gone for good', type: 'boolean' }],
  validate({ options }) {
    if (options.yes !== true) throw new UsageError(`deleting user "${stringOption(options, 'email')}" cannot be undone; add --yes to confirm`);
  },
  async run(context) {
    const { withTenantScope, getUserByEmail, deleteUser, CLI_ACTOR } = await services();
    const user = await withTenantScope(context.platform, context.args[0]!, async (scope) => {
      const { id } = await getUserByEmail(scope, stringOption(context.options, 'email')!);
      return deleteUser(scope, { userId: id }, CLI_ACTOR);
    });
    return { data: { deleted: user.id, email: user.email }, text: `deleted user ${user.email} (${user.id})` };
  },
};
