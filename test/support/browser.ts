import * as oidc from 'openid-client';

/**
 * A minimal browser for driving the login pages over real HTTP: a cookie jar (name, path),
 * manual redirects, and form posting. No JavaScript, like the pages themselves.
 */
export class TestBrowser {
  readonly #cookies = new Map<string, { value: string; path: string }>();

  cookieHeader(url: URL): string {
    return [...this.#cookies.entries()]
      .filter(([, cookie]) => url.pathname === cookie.path || url.pathname.startsWith(cookie.path.endsWith('/') ? cookie.path : `${cookie.path}/`))
      .map(([name, cookie]) => `${name}=${cookie.value}`)
      .join('; ');
  }

  cookieNames(): string[] {
    return [...this.#cookies.keys()];
  }

  async request(url: string | URL, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Response> {
    const target = new URL(url);
    const headers: Record<string, string> = { ...init.headers };
    const cookie = this.cookieHeader(target);
    if (cookie) headers.cookie = cookie;
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(target, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      headers,
      body: init.form ? new URLSearchParams(init.form) : undefined,
      redirect: 'manual',
    });
    for (const line of response.headers.getSetCookie()) this.#store(line);
    return response;
  }

  #store(line: string): void {
    const [pair, ...attributes] = line.split(';').map((part) => part.trim());
    const index = pair!.indexOf('=');
    const name = pair!.slice(0, index);
    const value = pair!.slice(index + 1);
    const path = attributes.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
    const expired = attributes.some((a) => /^expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
    if (expired) this.#cookies.delete(name);
    else this.#cookies.set(name, { value, path });
  }
}

export interface FormOnPage {
  action: string;
  fields: Record<string, string>;
}

/** The forms of a page (action and hidden inputs), in document order. */
export function formsOf(html: string, base: string): FormOnPage[] {
  return [...html.matchAll(/<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)].map((match) => {
    const fields: Record<string, string> = {};
    for (const input of match[2]!.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) fields[input[1]!] = input[2]!;
    return { action: new URL(match[1]!.replaceAll('&amp;', '&'), base).href, fields };
  });
}

export interface SignInOptions {
  email: string;
  password: string;
  /** Stop when the browser is sent here (the client's callback). */
  redirectUri: string;
  /** Answer for a consent page; default allow. */
  consent?: 'allow' | 'deny';
}

export interface SignInTrace {
  callback: URL;
  sawLoginPage: boolean;
  sawConsentPage: boolean;
}

/** Follows an authorization request through the login (and consent) pages to the client's callback. */
export async function signIn(browser: TestBrowser, authorizationUrl: string | URL, options: SignInOptions): Promise<SignInTrace> {
  let next: { url: string; form?: Record<string, string> } = { url: String(authorizationUrl) };
  const trace = { sawLoginPage: false, sawConsentPage: false };
  for (let step = 0; step < 20; step++) {
    const response = await browser.request(next.url, next.form ? { form: next.form } : {});
    if (response.status >= 300 && response.status < 400) {
      const location = new URL(response.headers.get('location')!, next.url);
      await response.arrayBuffer();
      if (location.href.startsWith(options.redirectUri)) return { callback: location, ...trace };
      next = { url: location.href };
      continue;
    }
    const html = await response.text();
    if (response.status !== 200) throw new Error(`sign-in stopped at ${next.url} with ${response.status}: ${html.slice(0, 500)}`);
    const forms = formsOf(html, next.url);
    if (html.includes('name="password"')) {
      trace.sawLoginPage = true;
      const login = forms[0]!;
      next = { url: login.action, form: { ...login.fields, email: options.email, password: options.password } };
    } else if (html.includes('name="decision"')) {
      trace.sawConsentPage = true;
      next = { url: forms[0]!.action, form: { ...forms[0]!.fields, decision: options.consent ?? 'allow' } };
    } else {
      throw new Error(`unexpected page at ${next.url}: ${html.slice(0, 500)}`);
    }
  }
  throw new Error('too many steps in the sign-in');
}

export interface StartedAuthorization {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

/** An authorization request as a relying party makes one: PKCE (S256), a state and a nonce. */
export async function startAuthorization(
  config: oidc.Configuration,
  params: { redirect_uri: string; scope: string } & Record<string, string>,
): Promise<StartedAuthorization> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  return { url, verifier, state, nonce };
}
