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

/** The device authorization grant (RFC 8628): oidc-provider's own, for clients that list it. */
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Token exchange (RFC 8693, oidc/token-exchange.ts): a service acting for a user, for clients that list it. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const TOKEN_EXCHANGE_PARAMETERS = ['subject_token', 'subject_token_type', 'requested_token_type', 'actor_token', 'actor_token_type', 'audience', 'scope', 'resource'];

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
  // Opt-in per client by its grant types (DEVICE_CODE_GRANT); the pages are set in oidc/configuration.ts.
  deviceFlow: { enabled: true },
  // Both on by oidc-provider's default; named here because they make `require_pushed_authorization_requests`
  // and `dpop_bound_access_tokens` valid client metadata.
  pushedAuthorizationRequests: { enabled: true },
  dPoP: { enabled: true },
} as const satisfies Configuration['features'];
