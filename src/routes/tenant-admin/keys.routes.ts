import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listTenantKeyPage, readTenantRotationPolicy, rotateTenantKeys, setRotationPolicy } from '../../modules/keys/keys.service.ts';
import { rotationPolicyView, rotationView, signingKeyPageView } from '../../modules/keys/key-view.ts';
import { ROTATION_POLICY_DAYS } from '../../modules/keys/rotation-policy-limits.ts';
import { adminActorOf, adminTenantOf, requireScope } from './auth.ts';
import { requireMatch, withEtag } from './conditional.ts';
import { ADMIN_ERRORS, AdminPageQuery, DEFAULT_ADMIN_PAGE_LIMIT, IfMatchHeaders, PRECONDITION_FAILED } from './admin-schemas.ts';
import { NextCursor, TenantParams, errorResponses } from '../schemas.ts';

const tags = ['keys'];
const Timestamp = Type.String({ format: 'date-time' });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
const Kid = Type.String({ description: 'key id, as in the JWKS and in the `kid` header of tokens' });

const SigningKey = Type.Object(
  {
    kid: Kid,
    alg: Type.String({ examples: ['RS256'] }),
    state: Type.Union([Type.Literal('active'), Type.Literal('next'), Type.Literal('retired')], {
      description: 'active: signs; next: published, signs after the next rotation; retired: published until unpublish_at',
    }),
    created_at: Timestamp,
    activated_at: NullableTimestamp,
    retired_at: NullableTimestamp,
    unpublish_at: NullableTimestamp,
    published: Type.Boolean({ description: "whether the tenant's JWKS holds the key now" }),
  },
  { additionalProperties: false },
);

const days = (description: string) => Type.Number({ description: `${description}; from 0 to ${ROTATION_POLICY_DAYS.max} days` });

const RotationPolicy = Type.Object(
  {
    rotate_every_days: Type.Number({ description: `the schedule rotates when the active key is this old; ${ROTATION_POLICY_DAYS.minRotateEvery} to ${ROTATION_POLICY_DAYS.max} days` }),
    grace_days: days('how long a retired key stays published'),
  },
  { additionalProperties: false },
);

const POLICY_ERRORS = { 400: 'invalid_request, or invalid_rotation_policy naming the field out of bounds' };

const listKeysSchema = {
  summary: "List the tenant's signing keys, newest first (never their private halves)",
  tags,
  params: TenantParams,
  querystring: Type.Object(AdminPageQuery, { additionalProperties: false }),
  response: {
    200: Type.Object({ items: Type.Array(SigningKey), next_cursor: NextCursor }, { additionalProperties: false }),
    ...errorResponses({ ...ADMIN_ERRORS, 400: 'invalid_request, invalid_cursor' }),
  },
};

const rotateSchema = {
  summary: 'Rotate now: the published next key signs, the active key retires, a new next key is published',
  tags,
  params: TenantParams,
  body: Type.Object(
    { grace_days: Type.Optional(days("how long the retired key stays published (default: the rotation policy's grace_days)")) },
    { additionalProperties: false, description: 'optional: no body rotates with the policy' },
  ),
  response: {
    200: Type.Object(
      {
        activated: Kid,
        retired: Type.Union([Kid, Type.Null()], { description: 'the key that signed until now' }),
        next: Kid,
        unpublish_at: Type.Union([Timestamp, Type.Null()], { description: 'when the retired key leaves the JWKS' }),
        removed: Type.Array(Kid, { description: 'retired keys past their grace period, removed now' }),
      },
      { additionalProperties: false },
    ),
    ...errorResponses({ ...ADMIN_ERRORS, ...POLICY_ERRORS }),
  },
};

const readPolicySchema = {
  summary: 'The automatic rotation policy (with an ETag)',
  tags,
  params: TenantParams,
  response: { 200: RotationPolicy, ...errorResponses(ADMIN_ERRORS) },
};

const writePolicySchema = {
  summary: 'Replace the automatic rotation policy (honours If-Match)',
  tags,
  params: TenantParams,
  headers: IfMatchHeaders,
  body: RotationPolicy,
  response: { 200: RotationPolicy, ...errorResponses({ ...ADMIN_ERRORS, ...POLICY_ERRORS, ...PRECONDITION_FAILED }) },
};

/** `POST …/keys/rotate` with no body at all rotates with the defaults, as with `{}`; the schema sees an object either way. */
async function noBodyIsEmpty(request: FastifyRequest): Promise<void> {
  request.body ??= {};
}

/**
 * `…/keys`: the tenant's signing keys (keys:read) and their rotation (keys:write), the same
 * services as `tansu keys list|rotate|policy`. A rotation or a new policy is announced, so every
 * node rebuilds the tenant's provider with the new keys within seconds.
 */
export function keysRoutes(parent: FastifyInstance): void {
  const scope = parent.withTypeProvider<TypeBoxTypeProvider>();

  scope.get('/t/:tenant/admin/v1/keys', { schema: listKeysSchema, preHandler: requireScope('keys:read') }, async (request) => {
    const { limit = DEFAULT_ADMIN_PAGE_LIMIT, cursor } = request.query;
    return signingKeyPageView(await listTenantKeyPage(adminTenantOf(request).scope, { limit, cursor }));
  });

  scope.post('/t/:tenant/admin/v1/keys/rotate', { schema: rotateSchema, preValidation: noBodyIsEmpty, preHandler: requireScope('keys:write') }, async (request) => {
    const graceDays = request.body.grace_days;
    const outcome = await rotateTenantKeys(
      adminTenantOf(request).scope,
      { graceSeconds: graceDays === undefined ? undefined : graceDays * 86_400 },
      adminActorOf(request),
    );
    return rotationView(outcome);
  });

  scope.get('/t/:tenant/admin/v1/keys/policy', { schema: readPolicySchema, preHandler: requireScope('keys:read') }, async (request, reply) => {
    return withEtag(reply, rotationPolicyView(await readTenantRotationPolicy(adminTenantOf(request).scope)));
  });

  scope.put('/t/:tenant/admin/v1/keys/policy', { schema: writePolicySchema, preHandler: requireScope('keys:write') }, async (request, reply) => {
    const { rotate_every_days, grace_days } = request.body;
    const policy = await setRotationPolicy(adminTenantOf(request).scope, { rotateEveryDays: rotate_every_days, graceDays: grace_days }, adminActorOf(request), {
      precondition: (current) => requireMatch(request, rotationPolicyView(current)),
    });
    return withEtag(reply, rotationPolicyView(policy));
  });
}
