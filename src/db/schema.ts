import type { ColumnType, Generated } from 'kysely';

/** Row types for both kinds of database; the migrations are the source of truth. */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type NullableText = ColumnType<string | null, string | null | undefined, string | null>;
type Json<T = unknown> = ColumnType<T, string, string>;

/** `maintenance`: its database is being swapped (move, restore); requests get 503 + Retry-After. */
export type TenantStatus = 'provisioning' | 'active' | 'suspended' | 'deleting' | 'failed' | 'maintenance';

/** `path`: `<PUBLIC_URL>/t/<id>`; `subdomain`: `<id>.<BASE_DOMAIN>` (platform/issuer.ts). */
export type IssuerForm = 'path' | 'subdomain';

/** A claimed domain is `pending` until its TXT record is seen, then `verified`; it is active while it is its tenant's `issuer_domain`. */
export type DomainStatus = 'pending' | 'verified';

export interface PlatformDatabase {
  clusters: {
    name: string;
    url_encrypted: string | null;
    /** Through a transaction-mode pooler, for requests; NULL ⇒ requests use the direct URL. */
    pooled_url_encrypted: ColumnType<string | null, string | null | undefined, string | null>;
    created_at: Generated<Date>;
  };
  tenants: {
    id: string;
    display_name: string;
    status: TenantStatus;
    cluster: string;
    database_name: string;
    failure_reason: string | null;
    /** Password of the tenant's login role, sealed with the master key; NULL until it has one. */
    role_password_encrypted: ColumnType<string | null, string | null | undefined, string | null>;
    created_at: Generated<Date>;
    updated_at: Timestamp;
    /** Where the tenant's issuer lives unless `issuer_domain` is set (platform/issuer.ts). */
    issuer_form: ColumnType<IssuerForm, IssuerForm | undefined, IssuerForm>;
    /** One of the tenant's verified custom domains, its issuer's host; NULL ⇒ `issuer_form` decides. */
    issuer_domain: NullableText;
    /** The issuer before the last move, accepted on the tenant's tokens until `previous_issuer_until`. */
    previous_issuer: NullableText;
    previous_issuer_until: NullableTimestamp;
  };
  /** Custom domains claimed by tenants (modules/domains/); at most one tenant holds a name verified. */
  tenant_domains: {
    tenant_id: string;
    domain: string;
    status: DomainStatus;
    /** The value the TXT record `_tansu-challenge.<domain>` must carry. */
    challenge: string;
    created_at: Generated<Date>;
    verified_at: NullableTimestamp;
  };
  platform_admins: {
    id: Generated<string>;
    email: string;
    password_hash: string;
    created_at: Generated<Date>;
  };
  platform_audit_events: {
    id: Generated<string>;
    occurred_at: Generated<Date>;
    actor: string;
    action: string;
    tenant_id: string | null;
    details: Json<Record<string, unknown>>;
  };
  /** Settings a server writes and every process reads, e.g. `public_url` (platform-settings.ts). */
  platform_settings: {
    key: string;
    value: Json;
    updated_at: Timestamp;
  };
  /** Tenants that may have mail due, and from when (modules/mail/mail-due.repository.ts). */
  mail_due_tenants: {
    tenant_id: string;
    due_at: Timestamp;
    generation: ColumnType<string, string | number | undefined, string | number>;
  };
  /** Long operations of the platform admin API (platform/admin-jobs.repository.ts). */
  admin_jobs: {
    id: Generated<string>;
    kind: string;
    status: AdminJobStatus;
    tenant_id: string | null;
    params: ColumnType<Record<string, unknown>, string | undefined, string>;
    progress: ColumnType<Record<string, unknown>, string | undefined, string>;
    result: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
    error: ColumnType<{ code: string; description: string } | null, string | null | undefined, string | null>;
    created_by: string;
    created_at: Generated<Date>;
    started_at: NullableTimestamp;
    finished_at: NullableTimestamp;
    heartbeat_at: Timestamp;
  };
}

/** `queued` until its node starts it; a `running` job whose heartbeat stopped is reported failed (`interrupted`). */
export type AdminJobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export type MailState = 'queued' | 'sending' | 'sent' | 'failed' | 'logged';

/** How a connection talks to its provider; `saml` is reserved for SAML 2.0 connections. */
export type ConnectionProtocol = 'oidc' | 'oauth2' | 'saml';
export type ConnectionPreset = 'google' | 'microsoft' | 'github' | 'apple';

export type EmailTokenPurpose = 'verify_email' | 'reset_password' | 'magic_link' | 'change_email';

/** What kind of second factor a row of `mfa_factors` is (modules/mfa/): an authenticator app, or a passkey. */
export type MfaFactorKind = 'totp' | 'webauthn';

/** A passkey's backup eligibility as WebAuthn reports it: synced (`multiDevice`) or bound to one device. */
export type PasskeyDeviceType = 'singleDevice' | 'multiDevice';

/** What a passkey challenge was handed out for: adding a passkey, a passwordless sign-in, a second factor. */
export type PasskeyChallengePurpose = 'register' | 'sign_in' | 'second_factor';

export interface TenantDatabase {
  settings: {
    key: string;
    value: Json;
    updated_at: Timestamp;
  };
  users: {
    id: Generated<string>;
    email: string;
    email_verified: Generated<boolean>;
    name: string | null;
    given_name: string | null;
    family_name: string | null;
    password_hash: string | null;
    status: Generated<'active' | 'disabled'>;
    failed_login_count: Generated<number>;
    locked_until: NullableTimestamp;
    last_login_at: NullableTimestamp;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  roles: {
    id: Generated<string>;
    name: string;
    description: string | null;
    created_at: Timestamp;
  };
  user_roles: {
    user_id: string;
    role_id: string;
    granted_at: Timestamp;
  };
  api_resources: {
    id: Generated<string>;
    identifier: string;
    name: string;
    scopes: ColumnType<string[], string[] | undefined, string[]>;
    access_token_ttl: Generated<number>;
    is_default: Generated<boolean>;
    created_at: Timestamp;
  };
  clients: {
    client_id: string;
    name: string;
    type: 'public' | 'confidential';
    secret_hash: string | null;
    /** The secret before the last rotation and the end of its grace period; both NULL without one. */
    previous_secret_hash: NullableText;
    previous_secret_expires_at: NullableTimestamp;
    token_endpoint_auth_method: string;
    redirect_uris: ColumnType<string[], string[] | undefined, string[]>;
    post_logout_redirect_uris: ColumnType<string[], string[] | undefined, string[]>;
    grant_types: ColumnType<string[], string[], string[]>;
    scopes: ColumnType<string[], string[] | undefined, string[]>;
    resources: ColumnType<string[], string[] | undefined, string[]>;
    /** Browser origins allowed besides those of the redirect URIs. */
    cors_origins: ColumnType<string[], string[] | undefined, string[]>;
    jwks: Json<{ keys: Record<string, unknown>[] } | null> | null;
    jwks_uri: string | null;
    first_party: Generated<boolean>;
    metadata: ColumnType<Record<string, unknown>, string | undefined, string>;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  /** APIs a client may get client-credentials tokens for. */
  client_api_grants: {
    client_id: string;
    api_id: string;
    granted_at: Timestamp;
  };
  /** Machine clients that may get client-credentials tokens for the built-in admin API. */
  client_admin_api_grants: {
    client_id: string;
    granted_at: Timestamp;
  };
  oidc_payloads: {
    model: string;
    id: string;
    payload: Json<Record<string, unknown>>;
    expires_at: NullableTimestamp;
    consumed_at: NullableTimestamp;
  };
  signing_keys: {
    kid: string;
    alg: string;
    state: 'next' | 'active' | 'retired';
    public_jwk: Json<Record<string, unknown>>;
    private_jwk_encrypted: string;
    created_at: Timestamp;
    activated_at: NullableTimestamp;
    retired_at: NullableTimestamp;
    unpublish_at: NullableTimestamp;
  };
  /** Upstream identity providers a tenant's users may sign in with (modules/connections/). */
  identity_providers: {
    id: Generated<string>;
    name: string;
    /** The protocol; `preset` says which well-known provider it is, if any. */
    kind: ConnectionProtocol;
    preset: ColumnType<ConnectionPreset | null, ConnectionPreset | null | undefined, ConnectionPreset | null>;
    display_name: string;
    issuer: string | null;
    client_id: string;
    /** Sealed with the master key (crypto/secret-box.ts), bound to the tenant and connection id. */
    client_secret_encrypted: string | null;
    scopes: ColumnType<string[], string[] | undefined, string[]>;
    settings: ColumnType<Record<string, unknown>, string | undefined, string>;
    /** Lowercase email domains that lead to this connection on the login page. */
    domains: ColumnType<string[], string[] | undefined, string[]>;
    default_roles: ColumnType<string[], string[] | undefined, string[]>;
    create_users: Generated<boolean>;
    enabled: Generated<boolean>;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  user_identities: {
    id: Generated<string>;
    provider_id: string;
    subject: string;
    user_id: string;
    /** The address the provider asserted at the last sign-in. */
    email: NullableText;
    linked_at: Timestamp;
    last_signed_in_at: NullableTimestamp;
  };
  /** One trip to an upstream provider, from the login page to its callback (modules/connections/). */
  upstream_sign_ins: {
    id: Generated<string>;
    state_hash: string;
    provider_id: string;
    interaction_uid: string;
    code_verifier: string | null;
    nonce: string;
    outcome: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
    created_at: Timestamp;
    expires_at: Timestamp;
    called_back_at: NullableTimestamp;
    finished_at: NullableTimestamp;
  };
  invitations: {
    id: Generated<string>;
    email: string;
    token_hash: string;
    role_names: ColumnType<string[], string[] | undefined, string[]>;
    invited_by: string | null;
    expires_at: Timestamp;
    accepted_at: NullableTimestamp;
    created_at: Timestamp;
  };
  login_attempts: {
    id: Generated<string>;
    user_id: string | null;
    /** HMAC-SHA256 of the canonical email under the tenant's identifier key (login-throttle.ts). */
    identifier_hash: string;
    ip: string;
    /** The IPv4 address or IPv6 /64 the limits count by (ip-bucket.ts). */
    ip_bucket: string;
    /** The device cookie the attempt presented (device-cookie.ts); NULL for an unknown browser. */
    device_id: ColumnType<string | null, string | null | undefined, string | null>;
    succeeded: boolean;
    reason: string | null;
    /** The connection a sign-in came through; NULL for the password (modules/connections/). */
    connection: NullableText;
    occurred_at: Timestamp;
  };
  audit_events: {
    id: Generated<string>;
    occurred_at: Timestamp;
    actor: string;
    action: string;
    target: string | null;
    ip: string | null;
    details: ColumnType<Record<string, unknown>, string | undefined, string>;
  };
  /** The transactional outbox (modules/mail/mail-outbox.repository.ts); bodies are NULL once delivered. */
  mail_outbox: {
    id: Generated<string>;
    to_address: string;
    template: string;
    subject: string;
    text_body: NullableText;
    html_body: NullableText;
    state: Generated<MailState>;
    attempts: Generated<number>;
    next_attempt_at: Timestamp;
    last_error: NullableText;
    created_at: Timestamp;
    sent_at: NullableTimestamp;
  };
  /** One-time tokens of mailed links, stored as digests (modules/users/email-tokens.ts). */
  email_tokens: {
    token_hash: string;
    purpose: EmailTokenPurpose;
    user_id: string;
    email: string;
    expires_at: Timestamp;
    consumed_at: NullableTimestamp;
    created_at: Timestamp;
  };
  /** The SAML replay cache (modules/connections/saml-assertions.repository.ts): an assertion ID is accepted once. */
  saml_assertions: {
    provider_id: string;
    assertion_id: string;
    created_at: Timestamp;
    expires_at: Timestamp;
  };
  /** Users' second factors (modules/mfa/): a TOTP secret only sealed, confirmed once a code from it was typed. */
  mfa_factors: {
    id: Generated<string>;
    user_id: string;
    kind: MfaFactorKind;
    label: string;
    secret_encrypted: NullableText;
    confirmed_at: NullableTimestamp;
    /** The RFC 6238 time step of the last code accepted; only a newer one is accepted next. */
    last_used_step: ColumnType<number | null, number | null | undefined, number | null>;
    last_used_at: NullableTimestamp;
    created_at: Timestamp;
    /** Passkeys (kind `webauthn`, migration 2026-12-02T0100): NULL on TOTP rows. */
    credential_id: NullableText;
    public_key: ColumnType<Uint8Array | null, Uint8Array | null | undefined, Uint8Array | null>;
    /** The authenticator's signature counter at its last use: bigint, read as a string. */
    sign_count: ColumnType<string | null, number | null | undefined, number | null>;
    transports: ColumnType<string[] | null, string[] | null | undefined, string[] | null>;
    device_type: ColumnType<PasskeyDeviceType | null, PasskeyDeviceType | null | undefined, PasskeyDeviceType | null>;
    backed_up: ColumnType<boolean | null, boolean | null | undefined, boolean | null>;
    user_handle: NullableText;
  };
  /** Challenges handed to browsers for a passkey ceremony, each taken once (modules/mfa/passkeys.repository.ts). */
  webauthn_challenges: {
    challenge: string;
    purpose: PasskeyChallengePurpose;
    binding: string;
    user_id: string | null;
    expires_at: Timestamp;
    created_at: Generated<Date>;
  };
  /** SHA-256 digests of users' recovery codes, each usable once. */
  mfa_recovery_codes: {
    user_id: string;
    code_hash: string;
    used_at: NullableTimestamp;
    created_at: Timestamp;
  };
  /** A tenant's overrides of the built-in mail templates; NULL parts fall back to the built-in ones. */
  mail_templates: {
    name: string;
    subject: NullableText;
    text_body: NullableText;
    html_body: NullableText;
    updated_at: Timestamp;
  };
}
