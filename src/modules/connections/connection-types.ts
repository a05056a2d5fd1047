import type { ConnectionPreset, ConnectionProtocol } from '../../db/schema.ts';

/**
 * The kinds of connection an admin can add. Three are generic protocols (`oidc`, `oauth2`,
 * `saml`); the presets are well-known providers over one of them, with what is fixed about each
 * filled in. A SAML connection has its own settings (the IdP's metadata, saml-metadata.ts) and its
 * own way of turning a response into an UpstreamProfile (saml-sign-in.service.ts).
 */
export const CONNECTION_TYPES = ['oidc', 'oauth2', 'saml', 'google', 'microsoft', 'github', 'apple'] as const;
export type ConnectionType = (typeof CONNECTION_TYPES)[number];

export function isConnectionType(value: unknown): value is ConnectionType {
  return (CONNECTION_TYPES as readonly unknown[]).includes(value);
}

/** The profile fields a plain OAuth 2.0 provider's user endpoint is read for, and its default claim names. */
export const MAPPED_CLAIMS = ['subject', 'email', 'email_verified', 'name', 'given_name', 'family_name'] as const;
export type MappedClaim = (typeof MAPPED_CLAIMS)[number];
export type ClaimMapping = Readonly<Record<MappedClaim, string>>;

export const DEFAULT_CLAIM_MAPPING: ClaimMapping = Object.freeze({
  subject: 'sub',
  email: 'email',
  email_verified: 'email_verified',
  name: 'name',
  given_name: 'given_name',
  family_name: 'family_name',
});

export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';
export const TOKEN_ENDPOINT_AUTH_METHODS: readonly TokenEndpointAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'none'];

export type ResponseMode = 'query' | 'form_post';

export interface ConnectionTypeRules {
  protocol: ConnectionProtocol;
  preset: ConnectionPreset | null;
  /** The button's words when the admin gives no display name. */
  label: string;
  /** Fixed by the preset (Microsoft's depends on its `tenant`, see microsoftIssuer). */
  issuer?: string;
  endpoints?: { authorization: string; token: string; userinfo: string };
  scopes: readonly string[];
  /** How the client authenticates at the token endpoint unless the admin says otherwise. */
  authMethod: TokenEndpointAuthMethod;
  /** Apple's answer comes back as a form post; the others as a query unless the admin asks for form_post. */
  responseMode?: ResponseMode;
  /** PKCE (RFC 7636). Apple documents none, so its code is protected by state and nonce alone. */
  pkce: boolean;
}

export const TYPE_RULES: Readonly<Record<ConnectionType, ConnectionTypeRules>> = Object.freeze({
  oidc: { protocol: 'oidc', preset: null, label: 'OpenID Connect', scopes: ['openid', 'email', 'profile'], authMethod: 'client_secret_basic', pkce: true },
  oauth2: { protocol: 'oauth2', preset: null, label: 'OAuth 2.0', scopes: [], authMethod: 'client_secret_basic', pkce: true },
  // No token endpoint and no code: the assertion comes with the browser's form post.
  saml: { protocol: 'saml', preset: null, label: 'SAML', scopes: [], authMethod: 'none', pkce: false },
  google: {
    protocol: 'oidc',
    preset: 'google',
    label: 'Google',
    issuer: 'https://accounts.google.com',
    scopes: ['openid', 'email', 'profile'],
    authMethod: 'client_secret_basic',
    pkce: true,
  },
  microsoft: { protocol: 'oidc', preset: 'microsoft', label: 'Microsoft', scopes: ['openid', 'email', 'profile'], authMethod: 'client_secret_post', pkce: true },
  github: {
    protocol: 'oauth2',
    preset: 'github',
    label: 'GitHub',
    endpoints: {
      authorization: 'https://github.com/login/oauth/authorize',
      token: 'https://github.com/login/oauth/access_token',
      userinfo: 'https://api.github.com/user',
    },
    scopes: ['read:user', 'user:email'],
    authMethod: 'client_secret_post',
    pkce: true,
  },
  apple: {
    protocol: 'oidc',
    preset: 'apple',
    label: 'Apple',
    issuer: 'https://appleid.apple.com',
    scopes: ['openid', 'email', 'name'],
    authMethod: 'client_secret_post',
    responseMode: 'form_post',
    pkce: false,
  },
});

/** A row's type: its preset if it has one, else its protocol. */
export function typeOf(row: { kind: ConnectionProtocol; preset: ConnectionPreset | null }): ConnectionType {
  if (row.preset) return row.preset;
  return row.kind;
}

/** GitHub's list of a user's addresses, where the verified primary one is found. */
export const GITHUB_EMAILS_URL = 'https://api.github.com/user/emails';

/**
 * Microsoft Entra ID's issuer for a directory: a tenant id or domain for one organisation, or
 * `common` / `organizations` / `consumers` for many. The many-tenant documents name the issuer
 * `https://login.microsoftonline.com/{tenantid}/v2.0`, a template each ID token fills with its
 * own `tid` (checked in upstream-profile.ts).
 */
export function microsoftIssuer(tenant: string): string {
  return `https://login.microsoftonline.com/${tenant}/v2.0`;
}

export const MICROSOFT_MULTI_TENANT = ['common', 'organizations', 'consumers'] as const;
