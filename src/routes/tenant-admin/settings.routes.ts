import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type TLiteral, type TSchema } from 'typebox';
import { readTenantSettings, updateTenantSettings } from '../../modules/settings/settings.service.ts';
import { settingsChangeOf, settingsView } from '../../modules/settings/settings-view.ts';
import { SIGNUP_MODES, type SignupMode } from '../../modules/settings/signup-mode.ts';
import { MFA_POLICIES, REMEMBER_BROWSER_BOUND, type MfaPolicy } from '../../modules/settings/mfa-policy.ts';
import { RETENTION_BOUNDS, TOKEN_LIFETIME_BOUNDS, describeSeconds, type Bound } from '../../modules/settings/setting-bounds.ts';
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
    mfa: mfaSchema(false),
  },
  { additionalProperties: false },
);

const readSchema = {
  summary: "The tenant's settings: signup policy, confirmed address for sign-in, sign-in links by mail, token lifetimes, history retention, second factors (with an ETag)",
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
      mfa: Type.Optional(mfaSchema(true)),
    },
    { additionalProperties: false, minProperties: 1 },
  ),
  response: {
    200: Settings,
    ...errorResponses({ ...ADMIN_ERRORS, ...PRECONDITION_FAILED, 400: `invalid_request, or the code of the field out of bounds: ${CODES.join(', ')}` }),
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
    });
    return withEtag(reply, settingsView(settings));
  });
}
