import { resolveTenant } from '../../tenancy/tenancy.plugin.ts';
import { ADMIN_ACCESS_TOKEN_TTL, ADMIN_API_SCOPES, adminApiIdentifier, type AdminScope } from '../../modules/apis/admin-api.ts';
import { documentedApi } from '../openapi/documented-api.ts';
import type { OpenApiSecurityScheme } from '../openapi/openapi-document.ts';
import { TenantParams } from '../schemas.ts';
import { requiredScopesOf } from './auth.ts';
import { tenantAdminRoutes } from './tenant-admin.routes.ts';

/** The name of the admin token's security scheme in the document. */
export const ADMIN_TOKEN_SCHEME = 'adminToken';

/** Scopes whose words the `<area>:<access>` pattern would get wrong. */
const SCOPE_WORDS: Partial<Record<AdminScope, string>> = {
  'mail:read': 'read the outbox: recipients, templates, states and errors (never the bodies)',
  'mail:write': 'queue failed mail again',
};

function describeScope(scope: AdminScope): string {
  const words = SCOPE_WORDS[scope];
  if (words !== undefined) return words;
  const [area, access] = scope.split(':') as [string, string];
  return access === 'read' ? `read ${area}` : `create, change and delete ${area}`;
}

/**
 * How a caller gets a token for one tenant's admin API: from that tenant's own endpoints (the
 * provider's default paths under its issuer), for the resource `<issuer>/admin`.
 */
function adminTokenScheme(issuer: string): OpenApiSecurityScheme {
  const scopes = Object.fromEntries(ADMIN_API_SCOPES.map((scope) => [scope, describeScope(scope)]));
  return {
    type: 'oauth2',
    description:
      `An RFC 9068 JWT access token of this tenant for the resource ${adminApiIdentifier(issuer)} (RFC 8707 \`resource\` parameter), ` +
      `valid ${ADMIN_ACCESS_TOKEN_TTL / 60} minutes, sent as \`Authorization: Bearer <token>\`. A machine client granted the admin API gets one ` +
      'by client credentials; a user with the TenantAdmin role through a first-party client by the authorization code flow with PKCE. ' +
      'A token carries only the scopes asked for; each operation names the one it needs.',
    flows: {
      clientCredentials: { tokenUrl: `${issuer}/token`, scopes },
      authorizationCode: { authorizationUrl: `${issuer}/auth`, tokenUrl: `${issuer}/token`, scopes },
    },
  };
}

/**
 * The tenant admin API with its OpenAPI document at `/t/<id>/admin/v1/openapi.json` and its
 * reference at `/t/<id>/admin/v1/docs`. Paths are relative to the tenant's `<issuer>/admin/v1`,
 * and each operation's scope is the one its requireScope guard enforces.
 */
export const tenantAdminApi = documentedApi({
  info: {
    title: 'Tansu Identity tenant admin API',
    version: 'v1',
    description: "Administers one tenant: its users, clients, APIs, invitations, signing keys, settings, audit log, issuer and custom domains. Errors are JSON `{error, error_description}` with a stable snake_case code.",
  },
  home: '/t/:tenant/admin/v1',
  homeParams: TenantParams,
  homeErrors: {
    403: 'tenant_suspended',
    404: 'tenant_not_found',
    503: 'tenant_unavailable or temporarily_unavailable (with Retry-After)',
  },
  base: /^\/t\/:tenant\/admin\/v1/,
  serverPath: { prefix: '/t/:tenant/admin/v1', params: ['tenant'] },
  securitySchemes: { [ADMIN_TOKEN_SCHEME]: adminTokenScheme('') },
  securityOf: (route) => [{ [ADMIN_TOKEN_SCHEME]: requiredScopesOf(route) }],
  async specifics(scope, request, reply) {
    // An unknown, suspended or moving tenant answers here as everywhere else; the document names only this tenant.
    const tenant = await resolveTenant(scope, request, reply);
    return {
      servers: [{ url: `${tenant.issuer}/admin/v1`, description: `the admin API of tenant ${tenant.id}` }],
      securitySchemes: { [ADMIN_TOKEN_SCHEME]: adminTokenScheme(tenant.issuer) },
    };
  },
  routes: tenantAdminRoutes,
});
