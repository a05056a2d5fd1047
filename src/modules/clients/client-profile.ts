import type { Configuration } from 'oidc-provider';
import { EXTRA_CLIENT_PROPERTIES } from './client-metadata.ts';

/**
 * What a client of any tenant may be: the part of the provider configuration that oidc-provider's
 * client schema reads. The tenants' providers (oidc/configuration.ts) are built on it, and client
 * validation (client-validation.ts) checks registrations against it, so a client accepted when it
 * is created is a client the provider loads.
 */

/** Scopes every tenant knows; API scopes come from the tenant's API resources. */
export const OIDC_SCOPES = ['openid', 'offline_access', 'profile', 'email', 'roles'] as const;

/** The opt-in legacy grant (oidc/password-grant.ts), registered on every tenant's provider. */
export const PASSWORD_GRANT = 'password';
export const PASSWORD_GRANT_PARAMETERS = ['username', 'password', 'scope', 'resource'];

/** Signing algorithms without a shared secret: we store only hashes of client secrets. */
const ASYMMETRIC_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;

export function clientProfile() {
  return {
    scopes: [...OIDC_SCOPES],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    enabledJWA: {
      clientAuthSigningAlgValues: [...ASYMMETRIC_ALGS],
      requestObjectSigningAlgValues: [...ASYMMETRIC_ALGS],
      idTokenSigningAlgValues: ['RS256', 'ES256'],
      userinfoSigningAlgValues: ['RS256', 'ES256'],
      introspectionSigningAlgValues: ['RS256', 'ES256'],
      authorizationSigningAlgValues: ['RS256', 'ES256'],
    },
    extraClientMetadata: { properties: [...EXTRA_CLIENT_PROPERTIES] },
    pkce: { required: () => true },
    // Clients are registered for the code flow only (client-metadata.ts), so discovery offers no
    // other response type, and with them goes `implicit` from grant_types_supported.
    responseTypes: ['code'],
  } satisfies Configuration;
}

/** The features whose switches change which client metadata is valid. */
export const CLIENT_FEATURES = {
  devInteractions: { enabled: false },
  clientCredentials: { enabled: true },
  introspection: { enabled: true },
  revocation: { enabled: true },
  userinfo: { enabled: true },
  rpInitiatedLogout: { enabled: true },
  resourceIndicators: { enabled: true },
} as const satisfies Configuration['features'];
