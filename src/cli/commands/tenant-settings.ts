import { UsageError, stringOption, type CommandSpec } from '../command.ts';
import { SIGNUP_MODES, parseSignupMode } from '../../modules/settings/signup-mode.ts';
import { settingsView } from '../../modules/settings/settings-view.ts';

export const tenantSettingsCommand: CommandSpec = {
  path: ['tenant', 'settings'],
  args: ['<tenant>'],
  summary: "Show a tenant's settings (signup, token lifetimes, retention), or change who may sign up (open, invite or disabled)",
  options: [{ name: 'signup', description: `who may sign up through /t/<id>/api/auth/signup: ${SIGNUP_MODES.join(' | ')}` }],
  async run(context) {
    const rawSignup = stringOption(context.options, 'signup');
    let signup;
    try {
      signup = rawSignup === undefined ? undefined : parseSignupMode(rawSignup);
    } catch {
      throw new UsageError(`--signup must be one of ${SIGNUP_MODES.join(', ')}, got "${rawSignup}"`);
    }
    const { withTenantScope } = await import('../../platform/tenant-access.ts');
    const { CLI_ACTOR } = await import('../../platform/tenant-scope.ts');
    const { readTenantSettings, updateTenantSettings } = await import('../../modules/settings/settings.service.ts');
    const view = settingsView(
      await withTenantScope(context.platform, context.args[0]!, (scope) =>
        signup === undefined ? readTenantSettings(scope) : updateTenantSettings(scope, { signup }, CLI_ACTOR),
      ),
    );
    const lifetimes = Object.entries(view.token_lifetimes).map(([name, seconds]) => `${name} ${seconds} s`);
    const retention = Object.entries(view.retention_days).map(([name, days]) => `${name} ${days} days`);
    return {
      data: view,
      text: [`signup           ${view.signup}`, `token lifetimes  ${lifetimes.join(', ')}`, `retention        ${retention.join(', ')}`].join('\n'),
    };
  },
};
