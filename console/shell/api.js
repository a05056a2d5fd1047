import { SessionEnded } from './auth.js';

/**
 * The admin API as the console sees it: JSON in and out, the bearer token from the session,
 * `If-Match` on updates, and every refusal as an ApiError carrying the API's own code and
 * `error_description`, which the pages show as they are.
 */
export class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} description */
  constructor(status, code, description) {
    super(description);
    this.status = status;
    this.code = code;
    this.description = description;
  }
}

/**
 * @typedef {object} Answer
 * @property {any} data   the JSON body (null for 204)
 * @property {string | null} etag
 */

/**
 * @param {string} base the API's base URL, e.g. <issuer>/admin/v1
 * @param {import('./auth.js').ConsoleSession} session
 */
export function createApi(base, session) {
  /**
   * @param {string} method
   * @param {string} path
   * @param {{query?: Record<string, string | number | undefined | null>, body?: unknown, etag?: string | null, text?: boolean}} [options]
   * @returns {Promise<Answer>}
   */
  async function request(method, path, options = {}) {
    const url = new URL(`${base}${path}`);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value));
    }
    const send = async (token) => {
      /** @type {Record<string, string>} */
      const headers = { authorization: `Bearer ${token}`, accept: options.text ? 'text/html, application/json' : 'application/json' };
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      if (options.etag) headers['if-match'] = options.etag;
      return fetch(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    };
    let response = await send(await session.accessToken());
    // A token refused as such (revoked, or the role taken away): renew once; the renewal asks the server again.
    if (response.status === 401) response = await send(await session.accessToken({ force: true }));
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!response.ok) {
      if (response.status === 401 && !session.isAdmin) throw new SessionEnded('not an administrator');
      throw new ApiError(response.status, data?.error ?? `http_${response.status}`, data?.error_description ?? `the admin API answered ${response.status} ${response.statusText}`);
    }
    return { data: options.text ? text : data, etag: response.headers.get('etag') };
  }

  return {
    /** @param {string} path @param {Record<string, string | number | undefined | null>} [query] */
    get: (path, query) => request('GET', path, { query }),
    /** @param {string} path @param {unknown} [body] */
    post: (path, body) => request('POST', path, { body }),
    /** A POST answered with a page, not JSON (the branding preview): `data` is its text. @param {string} path @param {unknown} [body] */
    postForText: (path, body) => request('POST', path, { body, text: true }),
    /** @param {string} path @param {unknown} body @param {string | null} [etag] */
    patch: (path, body, etag) => request('PATCH', path, { body, etag }),
    /** @param {string} path @param {unknown} body @param {string | null} [etag] */
    put: (path, body, etag) => request('PUT', path, { body, etag }),
    /** @param {string} path @param {string | null} [etag] */
    delete: (path, etag) => request('DELETE', path, { etag }),
  };
}

/** @typedef {ReturnType<typeof createApi>} Api */
