import { Type } from 'typebox';
import { TenantParams, pageOrError } from './schemas.ts';

/**
 * The provider mount's routes. oidc-provider answers them itself (the routes hijack the reply),
 * so their schemas describe, they do not serialize: the catch-all declares its tenant only, as
 * the provider's endpoints are described by the tenant's discovery document; the three fixed
 * routes declare what they answer.
 *
 * The catch-all's `*` param is left undeclared on purpose: TypeBox's value conversion reads
 * property names as regular expressions, and `*` is not one.
 */
export const providerSchema = { params: TenantParams };

const TENANT_REFUSALS = {
  403: pageOrError('tenant_suspended'),
  404: pageOrError('tenant_not_found, or not_found'),
  503: pageOrError('tenant_unavailable (being moved or restored) or temporarily_unavailable, with Retry-After'),
};

export const tenantRootSchema = {
  params: TenantParams,
  response: { ...TENANT_REFUSALS },
};

/** RFC 7517: the tenant's public signing keys. */
export const jwksSchema = {
  params: TenantParams,
  response: {
    200: Type.Object(
      { keys: Type.Array(Type.Object({ kid: Type.String(), kty: Type.String(), alg: Type.Optional(Type.String()), use: Type.Optional(Type.String()) })) },
      { description: "the tenant's published signing keys (the same document as its jwks_uri)" },
    ),
    ...TENANT_REFUSALS,
  },
};

/** RFC 8414 authorization server metadata: the tenant's discovery document. */
export const metadataSchema = {
  params: TenantParams,
  response: {
    200: Type.Object(
      { issuer: Type.String({ format: 'uri' }), jwks_uri: Type.String({ format: 'uri' }), token_endpoint: Type.String({ format: 'uri' }) },
      { description: "the tenant's OpenID Provider metadata (the same document as /t/<id>/.well-known/openid-configuration)" },
    ),
    ...TENANT_REFUSALS,
  },
};
