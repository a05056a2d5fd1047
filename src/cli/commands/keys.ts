import { UsageError, stringOption, type CommandSpec, type ParsedOptions } from '../command.ts';
import { renderTable, shortTime } from '../table.ts';
import { keyListingView, rotationPolicyView, rotationView } from '../../modules/keys/key-view.ts';
import { ROTATION_POLICY_DAYS } from '../../modules/keys/rotation-policy-limits.ts';
/** The services, loaded only when a command runs: `tansu --help` must not pay for the database layer. */
const services = async () => ({
  ...(await import('../../modules/keys/keys.service.ts')),
  ...(await import('../../platform/tenant-access.ts')),
  ...(await import('../../platform/tenant-scope.ts')),
});

/** A `--…-days` flag, judged here so its error names the flag the user typed. */
function days(options: ParsedOptions, name: string, min = 0): number | undefined {
  const raw = stringOption(options, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > ROTATION_POLICY_DAYS.max) {
    throw new UsageError(`--${name} must be a number of days from ${min} to ${ROTATION_POLICY_DAYS.max}, got "${raw}"`);
  }
  return value;
}

function policyChange(options: ParsedOptions) {
  return { rotateEveryDays: days(options, 'rotate-every-days', ROTATION_POLICY_DAYS.minRotateEvery), graceDays: days(options, 'grace-days') };
}

export const keysListCommand: CommandSpec = {
  path: ['keys', 'list'],
  args: ['<tenant>'],
  summary: "List a tenant's signing keys (kid, alg, state, dates) and its rotation policy",
  async run(context) {
    const { withTenantScope, listTenantKeys } = await services();
    const listing = await withTenantScope(context.platform, context.args[0]!, (scope) => listTenantKeys(scope));
    const table = renderTable(listing.keys, [
      { header: 'KID', value: (k) => k.kid },
      { header: 'ALG', value: (k) => k.alg },
      { header: 'STATE', value: (k) => (k.state === 'retired' && !k.published ? 'retired (unpublished)' : k.state) },
      { header: 'CREATED', value: (k) => shortTime(k.created_at) },
      { header: 'ACTIVATED', value: (k) => shortTime(k.activated_at) },
      { header: 'RETIRED', value: (k) => shortTime(k.retired_at) },
      { header: 'UNPUBLISH', value: (k) => shortTime(k.unpublish_at) },
    ]);
    const policy = `rotate every ${listing.policy.rotateEveryDays} days, retired keys stay published ${listing.policy.graceDays} days`;
    return { data: keyListingView(listing), text: `${table}\n\n${policy}` };
  },
};

export const keysRotateCommand: CommandSpec = {
  path: ['keys', 'rotate'],
  args: ['<tenant>'],
  summary: 'Rotate now: next key signs, active key retires (published through the grace period), a new next key is published',
  options: [{ name: 'grace-days', description: "how long the retired key stays published (default: the tenant's policy, 7)" }],
  validate({ options }) {
    days(options, 'grace-days');
  },
  async run(context) {
    const graceDays = days(context.options, 'grace-days');
    const { withTenantScope, rotateTenantKeys, CLI_ACTOR } = await services();
    const outcome = await withTenantScope(context.platform, context.args[0]!, (scope) =>
      rotateTenantKeys(scope, { graceSeconds: graceDays === undefined ? undefined : graceDays * 86_400 }, CLI_ACTOR),
    );
    context.platform.log.info({ tenant: context.args[0], activated: outcome.activated, retired: outcome.retired, next: outcome.next }, 'signing keys rotated');
    return {
      data: rotationView(outcome),
      text: `active ${outcome.activated}; next ${outcome.next}` + (outcome.retired ? `; retired ${outcome.retired} (published until ${shortTime(outcome.unpublishAt)})` : ''),
    };
  },
};

export const keysPolicyCommand: CommandSpec = {
  path: ['keys', 'policy'],
  args: ['<tenant>'],
  summary: "Set a tenant's automatic rotation schedule",
  options: [
    { name: 'rotate-every-days', description: 'rotate when the active key is this old (default 30)' },
    { name: 'grace-days', description: 'keep retired keys published this long (default 7)' },
  ],
  validate({ options }) {
    const change = policyChange(options);
    if (change.rotateEveryDays === undefined && change.graceDays === undefined) {
      throw new UsageError('give --rotate-every-days and/or --grace-days');
    }
  },
  async run(context) {
    const [tenant] = context.args;
    const change = policyChange(context.options);
    const { withTenantScope, setRotationPolicy, CLI_ACTOR } = await services();
    const policy = await withTenantScope(context.platform, tenant!, (scope) => setRotationPolicy(scope, change, CLI_ACTOR));
    return { data: rotationPolicyView(policy), text: `rotate every ${policy.rotateEveryDays} days, retired keys stay published ${policy.graceDays} days` };
  },
};
