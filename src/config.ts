import os from 'node:os';
import path from 'node:path';
import { AppError } from './errors.ts';
import { isDnsName } from './http/host-names.ts';

/** Everything the service and the CLI read from the environment, validated once and frozen. */
export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly host: string;
  readonly port: number;
  /** Public base URL; a tenant's issuer is `${publicUrl}/t/<id>`. No trailing slash. */
  readonly publicUrl: string;
  /** PUBLIC_URL was set, not derived from PORT: `tansu` warns when it disagrees with the server's. */
  readonly publicUrlSet: boolean;
  /** External cluster for the platform database; undefined ⇒ embedded PostgreSQL under dataDir. */
  readonly databaseUrl: string | undefined;
  /**
   * The same cluster without a pooler, for what a transaction-mode pooler cannot carry: LISTEN,
   * CREATE/DROP DATABASE, session advisory locks, pg_dump. Defaults to databaseUrl.
   */
  readonly databaseDirectUrl: string | undefined;
  readonly dataDir: string;
  /** Set by the operator (taken ⇒ an error); undefined ⇒ 54329 or a free port, remembered in dataDir. */
  readonly embeddedPort: number | undefined;
  /** 32-byte AES key, base64 in the environment; undefined ⇒ generated into dataDir (not in production). */
  readonly masterKey: Buffer | undefined;
  readonly logLevel: string;
  readonly tenantCacheSize: number;
  readonly tenantPoolMax: number;
  /** Connections one process may hold across all tenant pools (src/db/connection-budget.ts). */
  readonly tenantConnectionsMax: number;
  /** Proxies whose `X-Forwarded-*` headers are believed, and whose `X-Tansu-Tenant` picks a tenant. */
  readonly trustedProxies: readonly string[];
  /**
   * Tenants answer on `<id>.<baseDomain>` too (tenancy/tenant-hosts.ts); a tenant whose issuer is
   * in the subdomain form has its issuer there. Lowercase, no scheme, port or trailing dot.
   */
  readonly baseDomain: string | undefined;
  /**
   * DNS servers (`host` or `host:port`) that check custom domains' TXT records; undefined ⇒ the
   * system's resolvers. For tests and operators whose system resolver sees a split-horizon view.
   */
  readonly dnsResolvers: readonly string[] | undefined;
  readonly pgBinDir: string | undefined;
  /** How often a node checks which tenants' signing keys are due for rotation; 0 disables. */
  readonly keyRotationCheckSeconds: number;
  /** Requests one admin API token may make per minute at one tenant, in each process (tenant admin API). */
  readonly adminApiRateLimitPerMinute: number;
  /** The platform's rate limits, requests a minute, for tenants that set none (docs/architecture.md#rate-limits); 0: none. */
  readonly rateLimits: Readonly<PlatformRateLimits>;
  /** When set, `/metrics` answers only `Authorization: Bearer <token>`. */
  readonly metricsToken: string | undefined;
  /** When set, `/metrics` is served only by a listener of its own on this port, not on `port`. */
  readonly metricsPort: number | undefined;
  /** Token counts labelled by tenant: one series per tenant and type, so off unless asked for. */
  readonly metricsTenantLabels: boolean;
  /** When set, the platform admin API (/admin) is served only by a listener of its own on this port. */
  readonly adminPort: number | undefined;
  readonly workers: number;
  /** Bearer token of the platform admin API (/admin); undefined ⇒ that API is switched off (404). */
  readonly adminToken: string | undefined;
  /** The largest backup file the platform admin API's restore takes as an upload; larger is 413 before it is stored. */
  readonly restoreUploadMaxBytes: number;
  /** smtp:// or smtps:// URL, credentials and nodemailer options included; undefined ⇒ mails are logged, not sent. */
  readonly smtpUrl: string | undefined;
  /** The sender address of every tenant that has not set its own (the name is the tenant's). */
  readonly mailFrom: string;
  /** How often each process looks for mail due in the outboxes; 0 disables its sender. */
  readonly mailSendIntervalSeconds: number;
  /**
   * Upstream connections may call loopback, private and link-local hosts (modules/connections/
   * upstream-hosts.ts). Off: such URLs are refused when a connection is saved and before each fetch.
   */
  readonly connectionsAllowPrivateHosts: boolean;
}

/** What each tenant gets unless it sets its own (modules/settings/rate-limits.ts), fleet-wide, requests a minute; 0: no limit. */
export interface PlatformRateLimits {
  /** The token endpoint, all of the tenant's clients together. */
  token: number;
  /** The token endpoint, each client. */
  tokenPerClient: number;
  /** The authorization endpoint, all clients together. */
  authorization: number;
  authorizationPerClient: number;
  /** The tenant's JSON APIs together (signup API, admin API). */
  api: number;
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new AppError('invalid_config', `${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function optionalPort(env: Env, name: string): number | undefined {
  return env[name] ? integer(env, name, 0, 1, 65535) : undefined;
}

function flag(env: Env, name: string): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new AppError('invalid_config', `${name} must be true or false, got "${env[name]}"`);
}

/** The side listeners need ports of their own: two servers cannot share one. */
function distinctPorts(ports: Record<string, number | undefined>): void {
  const seen = new Map<number, string>();
  for (const [name, port] of Object.entries(ports)) {
    if (port === undefined || port === 0) continue;
    const other = seen.get(port);
    if (other) throw new AppError('invalid_config', `${name} and ${other} must differ (both ${port})`);
    seen.set(port, name);
  }
}

function masterKeyFrom(env: Env): Buffer | undefined {
  const raw = env.TANSU_MASTER_KEY;
  if (!raw) return undefined;
  const key = Buffer.from(raw, 'base64');
  if (key.length !== 32) {
    throw new AppError('invalid_config', 'TANSU_MASTER_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32)');
  }
  return key;
}

function adminTokenFrom(env: Env): string | undefined {
  const token = env.TANSU_ADMIN_TOKEN;
  if (!token) return undefined;
  if (token.length < 32) {
    throw new AppError('invalid_config', 'TANSU_ADMIN_TOKEN must be at least 32 characters (openssl rand -base64 32)');
  }
  return token;
}

function smtpUrlFrom(env: Env): string | undefined {
  const raw = env.SMTP_URL;
  if (!raw) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  // The value carries a password: the message never repeats it.
  if (!url || (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || !url.hostname) {
    throw new AppError('invalid_config', 'SMTP_URL must be smtp://user:password@host:port or smtps://user:password@host:port');
  }
  return raw;
}

function baseDomainFrom(env: Env): string | undefined {
  const raw = env.BASE_DOMAIN?.trim();
  if (!raw) return undefined;
  const domain = raw.toLowerCase();
  // `localhost` is the one single-label name allowed: browsers resolve `<id>.localhost` to loopback.
  if (domain !== 'localhost' && !isDnsName(domain)) {
    throw new AppError('invalid_config', `BASE_DOMAIN must be a domain name such as id.example.com (no scheme, port or path), got "${raw}"`);
  }
  return domain;
}

/** `host` or `host:port`, IPv4 or a name; what node:dns's Resolver#setServers takes. */
const DNS_SERVER = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\])(?::\d{1,5})?$/;

function dnsResolversFrom(env: Env): readonly string[] | undefined {
  const raw = env.DNS_RESOLVER?.trim();
  if (!raw) return undefined;
  const servers = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = servers.find((server) => !DNS_SERVER.test(server));
  if (bad !== undefined || servers.length === 0) {
    throw new AppError('invalid_config', `DNS_RESOLVER must be comma-separated IP addresses with an optional port (127.0.0.1:5353), got "${bad ?? raw}"`);
  }
  return Object.freeze(servers);
}

/** A bare address: the display name of a mail is its tenant's, not the platform's. */
const MAIL_ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+$/;

function mailFromOf(env: Env, publicUrl: string): string {
  const address = env.MAIL_FROM?.trim() || `no-reply@${new URL(publicUrl).hostname}`;
  if (!MAIL_ADDRESS.test(address)) {
    throw new AppError('invalid_config', `MAIL_FROM must be a bare address such as no-reply@example.com, got "${address}"`);
  }
  return address;
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = env.NODE_ENV === 'production' ? 'production' : env.NODE_ENV === 'test' ? 'test' : 'development';
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const host = env.HOST || '127.0.0.1';
  const publicUrl = (env.PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, '');
  try {
    new URL(publicUrl);
  } catch {
    throw new AppError('invalid_config', `PUBLIC_URL is not a URL: "${publicUrl}"`);
  }
  const masterKey = masterKeyFrom(env);
  if (nodeEnv === 'production' && !masterKey) {
    throw new AppError('invalid_config', 'TANSU_MASTER_KEY is required when NODE_ENV=production');
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  if (nodeEnv === 'production' && !databaseUrl) {
    throw new AppError('invalid_config', 'DATABASE_URL is required when NODE_ENV=production');
  }
  const metricsPort = optionalPort(env, 'METRICS_PORT');
  const adminPort = optionalPort(env, 'ADMIN_PORT');
  distinctPorts({ PORT: port, METRICS_PORT: metricsPort, ADMIN_PORT: adminPort });
  return Object.freeze({
    env: nodeEnv,
    host,
    port,
    publicUrl,
    publicUrlSet: Boolean(env.PUBLIC_URL),
    databaseUrl,
    databaseDirectUrl: (databaseUrl && env.DATABASE_DIRECT_URL) || databaseUrl,
    dataDir: path.resolve(env.TANSU_DATA_DIR || '.tansu'),
    embeddedPort: env.TANSU_EMBEDDED_PG_PORT ? integer(env, 'TANSU_EMBEDDED_PG_PORT', 0, 1024, 65535) : undefined,
    masterKey,
    logLevel: env.LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info'),
    tenantCacheSize: integer(env, 'TENANT_CACHE_SIZE', 1000, 1, 1_000_000),
    tenantPoolMax: integer(env, 'TENANT_POOL_MAX', 3, 1, 100),
    tenantConnectionsMax: integer(env, 'TENANT_CONNECTIONS_MAX', 64, 1, 10_000),
    trustedProxies: Object.freeze((env.TRUSTED_PROXIES || '').split(',').map((s) => s.trim()).filter(Boolean)),
    baseDomain: baseDomainFrom(env),
    dnsResolvers: dnsResolversFrom(env),
    pgBinDir: env.PG_BIN_DIR || undefined,
    keyRotationCheckSeconds: integer(env, 'KEY_ROTATION_CHECK_SECONDS', nodeEnv === 'test' ? 0 : 3600, 0, 31_536_000),
    adminApiRateLimitPerMinute: integer(env, 'ADMIN_API_RATE_LIMIT_PER_MINUTE', 600, 1, 1_000_000),
    rateLimits: Object.freeze({
      token: integer(env, 'RATE_LIMIT_TOKEN_PER_MINUTE', 60_000, 0, 100_000_000),
      tokenPerClient: integer(env, 'RATE_LIMIT_TOKEN_PER_CLIENT_PER_MINUTE', 30_000, 0, 100_000_000),
      authorization: integer(env, 'RATE_LIMIT_AUTHORIZATION_PER_MINUTE', 12_000, 0, 100_000_000),
      authorizationPerClient: integer(env, 'RATE_LIMIT_AUTHORIZATION_PER_CLIENT_PER_MINUTE', 6_000, 0, 100_000_000),
      api: integer(env, 'RATE_LIMIT_API_PER_MINUTE', 6_000, 0, 100_000_000),
    }),
    metricsToken: env.METRICS_TOKEN || undefined,
    metricsPort,
    metricsTenantLabels: flag(env, 'METRICS_TENANT_LABELS'),
    connectionsAllowPrivateHosts: flag(env, 'CONNECTIONS_ALLOW_PRIVATE_HOSTS'),
    adminPort,
    workers: integer(env, 'WORKERS', os.availableParallelism(), 1, 256),
    adminToken: adminTokenFrom(env),
    restoreUploadMaxBytes: integer(env, 'RESTORE_UPLOAD_MAX_BYTES', 10 * 1024 ** 3, 1024, 1024 ** 4),
    smtpUrl: smtpUrlFrom(env),
    mailFrom: mailFromOf(env, publicUrl),
    mailSendIntervalSeconds: integer(env, 'MAIL_SEND_INTERVAL_SECONDS', nodeEnv === 'test' ? 0 : 5, 0, 3600),
  });
}

/**
 * What only a server (not the CLI) needs: in production `/metrics` must not be open on the
 * public port, so it needs its token or a listener of its own.
 */
export function checkServerConfig(config: Config): void {
  if (config.env === 'production' && config.metricsToken === undefined && config.metricsPort === undefined) {
    throw new AppError('invalid_config', 'METRICS_TOKEN or METRICS_PORT is required when NODE_ENV=production (/metrics would be public)');
  }
}
