import { UsageError, listOption, stringOption, type CommandSpec, type ParsedOptions } from '../command.ts';
import { SIGNUP_MODES, parseSignupMode } from '../../modules/settings/signup-mode.ts';
import { settingsView } from '../../modules/settings/settings-view.ts';
import { RATE_LIMIT_BUDGETS, RATE_LIMIT_NAMES, type RateLimitName, type RateLimitsChange } from '../../modules/settings/rate-limits.ts';

const VERIFIED_EMAIL_CHOICES = { true: true, false: false, default: null } as const;

function verifiedEmailOption(options: ParsedOptions): boolean | null | undefined {
  const raw = stringOption(options, 'verified-email-required');
  if (raw === undefined) return undefined;
  if (!Object.hasOwn(VERIFIED_EMAIL_CHOICES, raw)) throw new UsageError(`--verified-email-required must be true, false or default, got "${raw}"`);
  return VERIFIED_EMAIL_CHOICES[raw as keyof typeof VERIFIED_EMAIL_CHOICES];
}

function magicLinksOption(options: ParsedOptions): boolean | undefined {
  const raw = stringOption(options, 'magic-links');
  if (raw === undefined) return undefined;
  if (raw !== 'true' && raw !== 'false') throw new UsageError(`--magic-links must be true or false, got "${raw}"`);
  return raw === 'true';
}

function signupOption(options: ParsedOptions) {
  const raw = stringOption(options, 'signup');
  try {
    return raw === undefined ? undefined : parseSignupMode(raw);
  } catch {
    throw new UsageError(`--signup must be one of ${SIGNUP_MODES.join(', ')}, got "${raw}"`);
  }
}

const RATE_LIMIT_FIELDS = RATE_LIMIT_NAMES.map((name) => RATE_LIMIT_BUDGETS[name].field);

/** `name=value` pairs, value a whole number or `default`; the bounds are the service's to judge. */
function pairs(options: ParsedOptions, option: string): Array<[string, number | null]> {
  return listOption(options, option).map((pair) => {
    const equals = pair.lastIndexOf('=');
    const [name, value] = [pair.slice(0, Math.max(equals, 0)), pair.slice(equals + 1)];
    if (equals <= 0 || !/^(\d+|default)$/.test(value)) throw new UsageError(`--${option} takes <name>=<requests a minute> or <name>=default, got "${pair}"`);
    return [name, value === 'default' ? null : Number(value)];
  });
}

function rateLimitsOption(options: ParsedOptions): RateLimitsChange | undefined {
  const budgets = pairs(options, 'rate-limit').map(([field, value]) => {
    const name = RATE_LIMIT_NAMES.find((candidate) => RATE_LIMIT_BUDGETS[candidate].field === field);
    if (!name) throw new UsageError(`--rate-limit names one of ${RATE_LIMIT_FIELDS.join(', ')}, got "${field}"`);
    return [name, value] as [RateLimitName, number | null];
  });
  const clients = pairs(options, 'client-rate-limit');
  if (budgets.length === 0 && clients.length === 0) return undefined;
  return { budgets: Object.fromEntries(budgets), clients: Object.fromEntries(clients) };
}

export const tenantSettingsCommand: CommandSpec = {
  path: ['tenant', 'settings'],
  args: ['<tenant>'],
  summary:
    "Show a tenant's settings (signup, confirmed address, sign-in links, token lifetimes, retention, rate limits), or change who may sign up, whether signing in needs a confirmed address, whether the login page offers sign-in links by mail, and the rate limits",
  options: [
    { name: 'signup', description: `who may sign up (the /t/<id>/signup page and API): ${SIGNUP_MODES.join(' | ')}` },
    {
      name: 'verified-email-required',
      description: 'a password sign-in needs a confirmed address: true | false | default (on exactly when signup is open)',
    },
    { name: 'magic-links', description: 'the login page offers "Email me a sign-in link": true | false (the default)' },
    {
      name: 'rate-limit',
      type: 'list',
      description: `<budget>=<requests a minute> or <budget>=default (the platform's), fleet-wide; budgets: ${RATE_LIMIT_FIELDS.join(', ')}`,
    },
    { name: 'client-rate-limit', type: 'list', description: "<client_id>=<requests a minute>: the client's own token endpoint budget; <client_id>=default drops it" },
  ],
  validate({ options }) {
    signupOption(options);
    verifiedEmailOption(options);
    magicLinksOption(options);
    rateLimitsOption(options);
  },
  async run(context) {
    const signup = signupOption(context.options);
    const verifiedEmailRequired = verifiedEmailOption(context.options);
    const magicLinks = magicLinksOption(context.options);
    const rateLimits = rateLimitsOption(context.options);
    const { withTenantScope } = await import('../../platform/tenant-access.ts');
    const { CLI_ACTOR } = await import('../../platform/tenant-scope.ts');
    const { readTenantSettings, updateTenantSettings } = await import('../../modules/settings/settings.service.ts');
    const settings = await withTenantScope(context.platform, context.args[0]!, (scope) =>
      signup === undefined && verifiedEmailRequired === undefined && magicLinks === undefined && rateLimits === undefined
        ? readTenantSettings(scope)
        : updateTenantSettings(scope, { signup, verifiedEmailRequired, magicLinks, rateLimits }, CLI_ACTOR),
    );
    const required = `${settings.verifiedEmailRequired ? 'yes' : 'no'}${settings.verifiedEmailRequiredSet ? '' : ' (default: yes exactly when signup is open)'}`;
    const view = settingsView(settings);
    const lifetimes = Object.entries(view.token_lifetimes).map(([name, seconds]) => `${name} ${seconds} s`);
    const retention = Object.entries(view.retention_days).map(([name, days]) => `${name} ${days} days`);
    const { clients, ...budgets } = view.rate_limits;
    const limits = [
      ...Object.entries(budgets).map(([name, perMinute]) => `${name} ${perMinute ?? 'default'}`),
      ...Object.entries(clients).map(([clientId, perMinute]) => `client ${clientId} ${perMinute}`),
    ];
    const text = [
      `signup                   ${settings.signup}`,
      `verified email required  ${required}`,
      `sign-in links by mail    ${settings.magicLinks ? 'yes' : 'no'}`,
      `token lifetimes          ${lifetimes.join(', ')}`,
      `retention                ${retention.join(', ')}`,
      `rate limits a minute     ${limits.join(', ')}`,
    ].join('\n');
    return { data: view, text };
  },
};
