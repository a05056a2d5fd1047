import { UsageError, listOption, stringOption, type CommandSpec, type ParsedOptions } from '../command.ts';
import { SIGNUP_MODES, parseSignupMode } from '../../modules/settings/signup-mode.ts';
import { settingsView } from '../../modules/settings/settings-view.ts';
import { RATE_LIMIT_BUDGETS, RATE_LIMIT_NAMES, type RateLimitName, type RateLimitsChange } from '../../modules/settings/rate-limits.ts';
import { MFA_POLICIES, REMEMBER_BROWSER_BOUND, parseMfaPolicy, type MfaSettingsChange } from '../../modules/settings/mfa-policy.ts';

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

const BOOLEAN_CHOICES = { true: true, false: false } as const;

/** The MFA flags as a change, judged here so an error names the flag typed; undefined when none is given. */
function mfaOptions(options: ParsedOptions): MfaSettingsChange | undefined {
  const change: MfaSettingsChange = {};
  const policy = stringOption(options, 'mfa');
  if (policy !== undefined) {
    try {
      change.policy = parseMfaPolicy(policy);
    } catch {
      throw new UsageError(`--mfa must be one of ${MFA_POLICIES.join(', ')}, got "${policy}"`);
    }
  }
  const admins = stringOption(options, 'mfa-required-for-admins');
  if (admins !== undefined) {
    if (!Object.hasOwn(BOOLEAN_CHOICES, admins)) throw new UsageError(`--mfa-required-for-admins must be true or false, got "${admins}"`);
    change.requiredForTenantAdmins = BOOLEAN_CHOICES[admins as keyof typeof BOOLEAN_CHOICES];
  }
  const days = stringOption(options, 'mfa-remember-days');
  if (days !== undefined) {
    const { min, max } = REMEMBER_BROWSER_BOUND;
    if (!/^\d{1,3}$/.test(days) || Number(days) < min || Number(days) > max) throw new UsageError(`--mfa-remember-days must be a number of days from ${min} to ${max}, got "${days}"`);
    change.rememberBrowserDays = Number(days);
  }
  return Object.keys(change).length > 0 ? change : undefined;
}

export const tenantSettingsCommand: CommandSpec = {
  path: ['tenant', 'settings'],
  args: ['<tenant>'],
  summary:
    "Show a tenant's settings (signup, confirmed address, sign-in links, token lifetimes, retention, second factors, rate limits), or change who may sign up, whether signing in needs a confirmed address, whether the login page offers sign-in links by mail, the second-factor policy and the rate limits",
  options: [
    { name: 'signup', description: `who may sign up (the /t/<id>/signup page and API): ${SIGNUP_MODES.join(' | ')}` },
    {
      name: 'verified-email-required',
      description: 'a password sign-in needs a confirmed address: true | false | default (on exactly when signup is open)',
    },
    { name: 'magic-links', description: 'the login page offers "Email me a sign-in link": true | false (the default)' },
    { name: 'mfa', description: `second factors: ${MFA_POLICIES.join(' | ')} (default optional)` },
    { name: 'mfa-required-for-admins', description: 'TenantAdmins must have a second factor, whatever --mfa says: true | false' },
    {
      name: 'mfa-remember-days',
      description: `days a browser that passed the second factor may skip it: ${REMEMBER_BROWSER_BOUND.min} (off, the default) to ${REMEMBER_BROWSER_BOUND.max}`,
    },
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
    mfaOptions(options);
  },
  async run(context) {
    const signup = signupOption(context.options);
    const verifiedEmailRequired = verifiedEmailOption(context.options);
    const magicLinks = magicLinksOption(context.options);
    const rateLimits = rateLimitsOption(context.options);
    const mfa = mfaOptions(context.options);
    const { withTenantScope } = await import('../../platform/tenant-access.ts');
    const { CLI_ACTOR } = await import('../../platform/tenant-scope.ts');
    const { readTenantSettings, updateTenantSettings } = await import('../../modules/settings/settings.service.ts');
    const settings = await withTenantScope(context.platform, context.args[0]!, (scope) =>
      signup === undefined && verifiedEmailRequired === undefined && magicLinks === undefined && mfa === undefined && rateLimits === undefined
        ? readTenantSettings(scope)
        : updateTenantSettings(scope, { signup, verifiedEmailRequired, magicLinks, mfa, rateLimits }, CLI_ACTOR),
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
      `second factors           ${settings.mfa.policy}${settings.mfa.requiredForTenantAdmins ? ', required for TenantAdmins' : ''}, remember browsers ${settings.mfa.rememberBrowserDays > 0 ? `${settings.mfa.rememberBrowserDays} days` : 'off'}`,
      `rate limits a minute     ${limits.join(', ')}`,
    ].join('\n');
    return { data: view, text };
  },
};
