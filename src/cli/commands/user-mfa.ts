import type { CommandSpec } from '../command.ts';
import type { TenantScope } from '../../platform/tenant-scope.ts';

/** The services, loaded only when a command runs: `tansu --help` must not pay for the database layer. */
const services = async () => ({
  ...(await import('../../platform/tenant-access.ts')),
  ...(await import('../../platform/tenant-scope.ts')),
  ...(await import('../../modules/users/users.service.ts')),
  ...(await import('../../modules/mfa/factors.service.ts')),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `<user>` is the user's email or id. */
async function userIdOf(scope: TenantScope, user: string): Promise<string> {
  if (UUID.test(user)) return user;
  const { getUserByEmail } = await services();
  return (await getUserByEmail(scope, user)).id;
}

export const userFactorsCommand: CommandSpec = {
  path: ['user', 'factors'],
  args: ['<tenant>', '<user>'],
  summary: "List a user's second factors (never a secret) and how many recovery codes they have left; <user> is an email or id",
  async run(context) {
    const { withTenantScope, listUserFactors } = await services();
    const view = await withTenantScope(context.platform, context.args[0]!, async (scope) => listUserFactors(scope, await userIdOf(scope, context.args[1]!)));
    const lines = view.factors.map((factor) => `${factor.kind.padEnd(8)} ${factor.id}  ${(factor.confirmed_at ? 'confirmed' : 'unconfirmed').padEnd(11)}  ${factor.label}`);
    const text = [...(lines.length > 0 ? lines : ['no second factor']), `recovery codes left: ${view.recovery_codes_left}`].join('\n');
    return { data: view, text };
  },
};

export const userResetMfaCommand: CommandSpec = {
  path: ['user', 'reset-mfa'],
  args: ['<tenant>', '<user>'],
  summary: "Reset a user's second factors (a lost phone): every factor and recovery code goes, remembered browsers are forgotten; audited. <user> is an email or id",
  async run(context) {
    const { withTenantScope, resetUserFactors, CLI_ACTOR } = await services();
    const reset = await withTenantScope(context.platform, context.args[0]!, async (scope) =>
      resetUserFactors(scope, { userId: await userIdOf(scope, context.args[1]!) }, CLI_ACTOR),
    );
    return {
      data: reset,
      text: `removed ${reset.factors_removed} factor(s) and ${reset.recovery_codes_removed} recovery code(s) of user ${reset.user_id}`,
    };
  },
};
