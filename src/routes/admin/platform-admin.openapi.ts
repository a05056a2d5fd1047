import { AppError } from '../../errors.ts';
import { documentedApi } from '../openapi/documented-api.ts';
import type { OpenApiSecurityScheme } from '../openapi/openapi-document.ts';
import { platformAdminRoutes } from './platform-admin.routes.ts';
import { platformAdminApiExists } from './platform-admin-auth.ts';

/** The name of the platform admin token's security scheme in the document. */
export const PLATFORM_TOKEN_SCHEME = 'platformToken';

const platformTokenScheme: OpenApiSecurityScheme = {
  type: 'http',
  scheme: 'bearer',
  description:
    "Sent as `Authorization: Bearer <token>`: the operator's bootstrap token TANSU_ADMIN_TOKEN, or an access token of the platform's admin tenant " +
    '(`admin`) for its platform API `<admin issuer>/platform` carrying the scope `platform:admin`, got by client credentials or by a PlatformAdmin signing in.',
};

/**
 * The platform admin API with its OpenAPI document at `/admin/v1/openapi.json` and its reference
 * at `/admin/v1/docs`, on whichever listener serves the API (the public port, or ADMIN_PORT).
 * Paths are absolute and the server is `/`, the origin the document was fetched from, so the
 * same document is right behind either port.
 */
export const platformAdminApi = documentedApi({
  info: {
    title: 'Tansu Identity platform admin API',
    version: 'v1',
    description: "The operator's API over the whole platform: tenants and what the `tansu` CLI does with them. Errors are JSON `{error, error_description}` with a stable snake_case code.",
  },
  home: '/admin/v1',
  homeErrors: { 404: 'not_found: the platform admin API is disabled (neither TANSU_ADMIN_TOKEN nor the admin tenant exists)', 503: 'tenant_unavailable: the admin tenant is being moved or restored (with Retry-After)' },
  base: /^\/admin(\/v1)?/,
  securitySchemes: { [PLATFORM_TOKEN_SCHEME]: platformTokenScheme },
  securityOf: () => [{ [PLATFORM_TOKEN_SCHEME]: [] }],
  async specifics(scope) {
    // Published exactly where the API answers (platform-admin-auth.ts): a token configured, or the admin tenant.
    if (!(await platformAdminApiExists(scope))) {
      throw new AppError('not_found', 'the platform admin API is disabled: set TANSU_ADMIN_TOKEN, or create the admin tenant (tansu tenant create-admin)', 404);
    }
    return { servers: [{ url: '/', description: 'the origin this document was fetched from' }], securitySchemes: { [PLATFORM_TOKEN_SCHEME]: platformTokenScheme } };
  },
  routes: platformAdminRoutes,
});
