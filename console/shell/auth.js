/**
 * Signing in to the console: the authorization code flow with PKCE against the tenant's own
 * provider, as a public client (`tansu-console`), like any browser app. The access token is
 * for the admin API only (resource `<issuer>/admin`) and lives ten minutes; the refresh token
 * (offline_access) renews it, and every renewal asks the server again whether the user is
 * still an administrator.
 *
 * Where the tokens are kept: in memory, and in sessionStorage so that a reload does not sign
 * the admin in again. sessionStorage belongs to this tab alone and ends with it: a second tab
 * signs in on its own (silently, with the provider's session), so two tabs never race to
 * redeem one rotating refresh token, and closing the tab leaves no token behind on the disk
 * for the next user of the machine. It is never sent to a server by itself (no CSRF), and
 * the page's Content-Security-Policy lets no script but the console's own read it.
 */

const REFRESH_MARGIN_MS = 60_000;

/** @param {number} bytes */
function randomString(bytes) {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** @param {ArrayBuffer | Uint8Array} data */
function base64url(data) {
  const text = String.fromCharCode(...new Uint8Array(data));
  return btoa(text).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** The claims of a JWT, unverified: it came straight from the token endpoint over this origin's connection. */
function claimsOf(jwt) {
  const part = jwt.split('.')[1] ?? '';
  const text = atob(part.replaceAll('-', '+').replaceAll('_', '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(text, (c) => c.charCodeAt(0))));
}

/** A failure of the sign-in itself, with the provider's words when it gave some. */
export class SignInError extends Error {
  /** @param {string} code @param {string} description */
  constructor(code, description) {
    super(description);
    this.code = code;
    this.description = description;
  }
}

/** The refresh token no longer works (revoked, expired, user disabled): the admin must sign in again. */
export class SessionEnded extends Error {}

/**
 * @typedef {object} Tokens
 * @property {string} access_token
 * @property {number} expires_at   ms since the epoch
 * @property {string} [refresh_token]
 * @property {string} [id_token]
 * @property {string[]} scopes     what the server granted (RFC 6749 §3.3: possibly less than asked)
 * @property {{sub: string, email?: string, name?: string}} user
 */

export class ConsoleSession {
  /** @param {import('./settings.js').ConsoleSettings} settings */
  constructor(settings) {
    this.settings = settings;
    // The admin tenant's console client serves two consoles (its tenant console and the platform
    // console), each with tokens for another API: the console's path keeps their tokens apart.
    this.key = `tansu.console:${settings.issuer}:${settings.client_id}:${settings.base}`;
    /** @type {Tokens | undefined} */
    this.tokens = this.#load();
    /** @type {Promise<void> | undefined} */
    this.refreshing = undefined;
    /** @type {Set<() => void>} */
    this.listeners = new Set();
  }

  get redirectUri() {
    return this.settings.redirect_uri;
  }

  get signedIn() {
    return this.tokens !== undefined;
  }

  /** Whether the token carries any admin scope: a user without TenantAdmin gets none. */
  get isAdmin() {
    return (this.tokens?.scopes ?? []).some((scope) => this.settings.scopes.includes(scope));
  }

  /** @param {() => void} listener */
  onChange(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sends the browser to the provider's sign-in; `returnTo` is the console path to come back to. */
  async startSignIn(returnTo) {
    const discovery = await this.#discovery();
    const verifier = randomString(32);
    const pending = { verifier, state: randomString(16), nonce: randomString(16), return_to: returnTo };
    sessionStorage.setItem(`${this.key}:pending`, JSON.stringify(pending));
    const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
    const url = new URL(discovery.authorization_endpoint);
    url.search = new URLSearchParams({
      client_id: this.settings.client_id,
      redirect_uri: this.redirectUri,
      response_type: 'code',
      // offline_access needs prompt=consent (OIDC Core §11); a first-party client is not asked anything.
      scope: ['openid', 'profile', 'email', 'offline_access', ...this.settings.scopes].join(' '),
      prompt: 'consent',
      resource: this.settings.resource,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    }).toString();
    location.assign(url.href);
  }

  /**
   * Redeems the code the provider sent back to the callback URL; returns the path to go on to.
   * @param {URL} url
   */
  async finishSignIn(url) {
    const pendingText = sessionStorage.getItem(`${this.key}:pending`);
    sessionStorage.removeItem(`${this.key}:pending`);
    const params = url.searchParams;
    if (params.has('error')) throw new SignInError(params.get('error') ?? 'error', params.get('error_description') ?? 'the sign-in did not succeed');
    const pending = pendingText ? JSON.parse(pendingText) : undefined;
    if (!pending || params.get('state') !== pending.state) {
      throw new SignInError('invalid_state', 'this sign-in was not started in this tab, or it was already finished');
    }
    // RFC 9207: the answer names the issuer it comes from.
    if (params.has('iss') && params.get('iss') !== this.settings.issuer) throw new SignInError('invalid_issuer', 'the answer came from another issuer');
    const answer = await this.#tokenRequest({
      grant_type: 'authorization_code',
      code: params.get('code') ?? '',
      redirect_uri: this.redirectUri,
      code_verifier: pending.verifier,
    });
    if (!answer.ok) throw new SignInError(answer.body.error ?? 'sign_in_failed', answer.body.error_description ?? 'the code could not be redeemed');
    const claims = claimsOf(answer.body.id_token ?? '');
    const audience = [claims.aud].flat();
    if (claims.iss !== this.settings.issuer || !audience.includes(this.settings.client_id) || claims.nonce !== pending.nonce) {
      throw new SignInError('invalid_id_token', 'the ID token is not for this console');
    }
    this.#store(answer.body, claims);
    return typeof pending.return_to === 'string' ? pending.return_to : '';
  }

  /** A valid access token, renewed first when it expires within a minute (one renewal at a time). */
  async accessToken({ force = false } = {}) {
    if (!this.tokens) throw new SessionEnded('not signed in');
    if (force || this.tokens.expires_at - Date.now() < REFRESH_MARGIN_MS) {
      this.refreshing ??= this.#refresh().finally(() => {
        this.refreshing = undefined;
      });
      await this.refreshing;
    }
    if (!this.tokens) throw new SessionEnded('not signed in');
    return this.tokens.access_token;
  }

  /** Revokes the refresh token, forgets the tokens and ends the provider's session (its sign-out page). */
  async signOut() {
    const tokens = this.tokens;
    const discovery = await this.#discovery();
    if (tokens?.refresh_token && discovery.revocation_endpoint) {
      await fetch(discovery.revocation_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: tokens.refresh_token, token_type_hint: 'refresh_token', client_id: this.settings.client_id }),
      }).catch(() => undefined);
    }
    this.forget();
    const url = new URL(discovery.end_session_endpoint);
    url.search = new URLSearchParams({
      client_id: this.settings.client_id,
      post_logout_redirect_uri: this.settings.post_logout_redirect_uri,
      state: 'signed-out',
      ...(tokens?.id_token ? { id_token_hint: tokens.id_token } : {}),
    }).toString();
    location.assign(url.href);
  }

  forget() {
    this.tokens = undefined;
    sessionStorage.removeItem(this.key);
    this.#changed();
  }

  async #refresh() {
    const refreshToken = this.tokens?.refresh_token;
    if (!refreshToken) {
      this.forget();
      throw new SessionEnded('the session has no refresh token');
    }
    const answer = await this.#tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
    if (!answer.ok) {
      // invalid_grant: revoked, expired, or the user was disabled or deleted. Anything else may pass.
      if (answer.status === 400 || answer.status === 401) {
        this.forget();
        throw new SessionEnded(answer.body.error_description ?? 'the session has ended');
      }
      throw new Error(answer.body.error_description ?? `the token endpoint answered ${answer.status}`);
    }
    this.#store(answer.body, answer.body.id_token ? claimsOf(answer.body.id_token) : undefined);
  }

  /**
   * The token endpoint is on this page's origin, but a browser still sends `Origin` with a POST,
   * and the provider then asks clientBasedCORS (oidc/configuration.ts): a public client may call
   * from the origins of its redirect URIs, and the console's is this origin.
   */
  async #tokenRequest(params) {
    const discovery = await this.#discovery();
    const response = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ ...params, client_id: this.settings.client_id, resource: this.settings.resource }),
    });
    const body = await response.json().catch(() => ({}));
    return { ok: response.ok, status: response.status, body };
  }

  #store(body, claims) {
    const user = claims ? { sub: claims.sub, email: claims.email, name: claims.name } : this.tokens?.user;
    this.tokens = {
      access_token: body.access_token,
      expires_at: Date.now() + Number(body.expires_in ?? 600) * 1000,
      refresh_token: body.refresh_token ?? this.tokens?.refresh_token,
      id_token: body.id_token ?? this.tokens?.id_token,
      scopes: String(body.scope ?? '').split(' ').filter(Boolean),
      user: user ?? { sub: '' },
    };
    sessionStorage.setItem(this.key, JSON.stringify(this.tokens));
    this.#changed();
  }

  #load() {
    try {
      const text = sessionStorage.getItem(this.key);
      return text ? JSON.parse(text) : undefined;
    } catch {
      return undefined;
    }
  }

  #changed() {
    for (const listener of this.listeners) listener();
  }

  /** The provider's endpoints, from its discovery document (same origin), fetched once. */
  #discovery() {
    this.discovery ??= fetch(`${this.settings.issuer}/.well-known/openid-configuration`).then((response) => {
      if (!response.ok) throw new SignInError('discovery_failed', `the tenant's OpenID configuration could not be read (${response.status})`);
      return response.json();
    });
    // A failed read is not kept: the next attempt asks again.
    this.discovery.catch(() => {
      this.discovery = undefined;
    });
    return this.discovery;
  }
}
