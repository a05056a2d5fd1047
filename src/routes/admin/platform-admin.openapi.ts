import { AppError } from '../../errors.ts';
import { documentedApi } from '../openapi/documented-api.ts';
import type { OpenApiSecurityScheme } from '../openapi/openapi-document.ts';
import { platformAdminRoutes } from './platform-admin.routes.ts';

/** The name of the platform admin token's security scheme in the document. */
export const PLATFORM_TOKEN_SCHEME = 'platformToken';

const platformTokenScheme: OpenApiSecurityScheme = {
  type: 'http',
  scheme: 'bearer',
  description: "The operator's static token, TANSU_ADMIN_TOKEN, sent as `Authorization: Bearer <token>`.",
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
  homeErrors: { 404: 'not_found: the platform admin API is disabled (TANSU_ADMIN_TOKEN is not set)' },
  base: /^\/admin(\/v1)?/,
  securitySchemes: { [PLATFORM_TOKEN_SCHEME]: platformTokenScheme },
  securityOf: () => [{ [PLATFORM_TOKEN_SCHEME]: [] }],
  async specifics(scope) {
    // Like the API itself (platform-admin-auth.ts): without a token configured, it does not exist.
    if (scope.platform.config.adminToken === undefined) {
      throw new AppError('not_found', 'the platform admin API is disabled: set TANSU_ADMIN_TOKEN to enable it', 404);
    }
    return { servers: [{ url: '/', description: 'the origin this document was fetched from' }], securitySchemes: { [PLATFORM_TOKEN_SCHEME]: platformTokenScheme } };
  },
  routes: platformAdminRoutes,
});
