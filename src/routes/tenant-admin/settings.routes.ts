import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type TLiteral, type TSchema } from 'typebox';
import { readTenantSettings, updateTenantSettings } from '../../modules/settings/settings.service.ts';
import { settingsChangeOf, settingsView } from '../../modules/settings/settings-view.ts';
import { SIGNUP_MODES, type SignupMode } from '../../modules/settings/signup-mode.ts';
import { MFA_POLICIES, REMEMBER_BROWSER_BOUND, type MfaPolicy } from '../../modules/settings/mfa-policy.ts';
import { RETENTION_BOUNDS, TOKEN_LIFETIME_BOUNDS, describeSeconds, type Bound } from '../../modules/settings/setting-bounds.ts';
import { RATE_LIMIT_BUDGETS, RATE_LIMIT_MAX, RATE_LIMIT_MIN } from '../../modules/settings/rate-limits.ts';
import { adminActorOf, adminTenantOf, requireScope } from './auth.ts';
import { requireMatch, withEtag } from './conditional.ts';
import { ADMIN_ERRORS, IfMatchHeaders, PRECONDITION_FAILED } from './admin-schemas.ts';
import { TenantParams, errorResponses } from '../schemas.ts';

const tags = ['settings'];

/**
 * The bounds are stated, not declared as `minimum`/`maximum`: the service judges them (for the
 * CLI too) and answers a value outside them with the field's own code (setting-bounds.ts).
 */
function groupSchema(bounds: Readonly<Record<string, Bound>>, unit: 'seconds' | 'days', optional: boolean) {
  const fields: Record<string, TSchema> = {};
  for (const bound of Object.values(bounds)) {
    const range = unit === 'seconds' ? `${describeSeconds(bound.min)} to ${describeSeconds(bound.max)}` : `${bound.min} to ${bound.max} days`;
    const field = Type.Integer({ description: `${unit}: ${range} (default ${bound.default}); outside the bounds: ${bound.code}` });
    fields[bound.field] = optional ? Type.Optional(field) : field;
  }
  return Type.Object(fields, { additionalProperties: false });
}

/** Requests a minute; null: the platform's budget (RATE_LIMIT_* on the servers). Bounds judged by the service, like the groups above. */
function rateLimitsSchema(optional: boolean) {
  const nullable = (description: string) => Type.Union([Type.Integer(), Type.Null()], { description });
  const fields: Record<string, TSchema> = {};
  for (const { field, counts } of Object.values(RATE_LIMIT_BUDGETS)) {
    const schema = nullable(`${counts}, a minute: ${RATE_LIMIT_MIN} to ${RATE_LIMIT_MAX}, or null for the platform's (invalid_rate_limit)`);
    fields[field] = optional ? Type.Optional(schema) : schema;
  }
  const clients = Type.Record(Type.String(), optional ? nullable('null: back to token_per_client') : Type.Integer(), {
    description: 'token endpoint budgets of single clients, by client id, in place of token_per_client',
  });
  fields.clients = optional ? Type.Optional(clients) : clients;
  return Type.Object(fields, {
    additionalProperties: false,
    description: "requests a minute over the whole fleet (each process enforces its share); through this API at most the platform's budget (rate_limit_above_platform_default)",
  });
}

const Signup = Type.Union(
  SIGNUP_MODES.map((mode) => Type.Literal(mode)) as [TLiteral<SignupMode>],
  { description: 'who may create an account through the signup API: anyone, invitees, or nobody' },
);

/** Second factors (modules/settings/mfa-policy.ts); in a change every field is optional. */
function mfaSchema(optional: boolean) {
  const { min, max, code } = REMEMBER_BROWSER_BOUND;
  const fields = {
    policy: Type.Union(MFA_POLICIES.map((policy) => Type.Literal(policy)) as [TLiteral<MfaPolicy>], {
      description: 'off: no one is offered a factor (who has one still uses it); optional (default): applications may demand one; required: everyone sets one up',
    }),
    required_for_tenant_admins: Type.Boolean({ description: 'holders of the TenantAdmin role must have a factor, whatever the policy (default false)' }),
    remember_browser_days: Type.Integer({ description: `days a browser that passed the second factor may skip it: ${min} (off, the default) to ${max}; outside the bounds: ${code}` }),
  };
  return Type.Object(optional ? Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, Type.Optional(field)])) : fields, {
    additionalProperties: false,
  });
}

const Settings = Type.Object(
  {
    signup: Signup,
    verified_email_required: Type.Boolean({ description: 'whether a password sign-in needs a confirmed address' }),
    verified_email_required_is_default: Type.Boolean({ description: 'true while verified_email_required follows the signup mode (on exactly when signup is open)' }),
    magic_links: Type.Boolean({ description: 'whether the login page offers a one-time sign-in link by mail (default false)' }),
    token_lifetimes: groupSchema(TOKEN_LIFETIME_BOUNDS, 'seconds', false),
    retention_days: groupSchema(RETENTION_BOUNDS, 'days', false),
    rate_limits: rateLimitsSchema(false),
    mfa: mfaSchema(false),
  },
  { additionalProperties: false },
);

const readSchema = {
  summary: "The tenant's settings: signup policy, confirmed address for sign-in, sign-in links by mail, token lifetimes, history retention, second factors, rate limits (with an ETag)",
  tags,
  params: TenantParams,
  response: { 200: Settings, ...errorResponses(ADMIN_ERRORS) },
};

const CODES = [...Object.values(TOKEN_LIFETIME_BOUNDS), ...Object.values(RETENTION_BOUNDS), REMEMBER_BROWSER_BOUND].map((bound) => bound.code);

const updateSchema = {
  summary: 'Change some settings (honours If-Match); new token lifetimes apply to tokens issued from then on',
  tags,
  params: TenantParams,
  headers: IfMatchHeaders,
  body: Type.Object(
    {
      signup: Type.Optional(Signup),
      verified_email_required: Type.Optional(Type.Union([Type.Boolean(), Type.Null()], { description: 'null: back to the default (on exactly when signup is open)' })),
      magic_links: Type.Optional(Type.Boolean({ description: 'offer "Email me a sign-in link" on the login page' })),
      token_lifetimes: Type.Optional(groupSchema(TOKEN_LIFETIME_BOUNDS, 'seconds', true)),
      retention_days: Type.Optional(groupSchema(RETENTION_BOUNDS, 'days', true)),
      rate_limits: Type.Optional(rateLimitsSchema(true)),
      mfa: Type.Optional(mfaSchema(true)),
    },
    { additionalProperties: false, minProperties: 1 },
  ),
  response: {
    200: Settings,
    ...errorResponses({
      ...ADMIN_ERRORS,
      ...PRECONDITION_FAILED,
      400: `invalid_request, or the code of the field out of bounds: ${[...CODES, 'invalid_rate_limit'].join(', ')}`,
      403: `${ADMIN_ERRORS[403]}, or rate_limit_above_platform_default: only the operator sets a rate limit above the platform's`,
      404: `${ADMIN_ERRORS[404]}, or client_not_found: rate_limits.clients names no client of the tenant`,
    }),
  },
};

/**
 * `…/settings` (settings:read, settings:write): the same service as `tansu tenant settings`. A
 * change of token lifetimes is announced, and every node rebuilds the tenant's provider with it.
 */
export function settingsRoutes(parent: FastifyInstance): void {
  const scope = parent.withTypeProvider<TypeBoxTypeProvider>();

  scope.get('/t/:tenant/admin/v1/settings', { schema: readSchema, preHandler: requireScope('settings:read') }, async (request, reply) => {
    return withEtag(reply, settingsView(await readTenantSettings(adminTenantOf(request).scope)));
  });

  scope.patch('/t/:tenant/admin/v1/settings', { schema: updateSchema, preHandler: requireScope('settings:write') }, async (request, reply) => {
    const settings = await updateTenantSettings(adminTenantOf(request).scope, settingsChangeOf(request.body), adminActorOf(request), {
      precondition: (current) => requireMatch(request, settingsView(current)),
      rateLimitCeiling: parent.platform.config.rateLimits,
    });
    return withEtag(reply, settingsView(settings));
  });
}
