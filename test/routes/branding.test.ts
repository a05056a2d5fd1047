import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_ACCEPT, REDIRECT_URI, nthMailTo, openLoginPage, startAccountFlowBed, type AccountFlowBed, type FlowTenant } from '../support/account-flows.ts';
import { adminToken, callAdmin, machineClient } from '../support/admin-api.ts';
import { TestBrowser, formsOf, startAuthorization } from '../support/browser.ts';
import { chromiumForThisFile, openPage, screenshot, watchPage } from '../support/chromium.ts';
import { TEST_ACTOR } from '../support/scope.ts';
import { createUser } from '../../src/modules/users/users.service.ts';

/**
 * Branding and languages end to end (docs/architecture.md#branding-and-languages): the admin API
 * stores a tenant's look, every page and mail of that tenant shows it and no other tenant's does;
 * the language follows ui_locales, then Accept-Language, then the tenant's default.
 */
let bed: AccountFlowBed;
let acme: FlowTenant;
let globex: FlowTenant;
let writer: string;
let auditor: string;

// A 1×1 PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const CSS = 'main{border-top:6px solid #d9480f}\nh1{letter-spacing:.01em;background:url(/t/elsewhere/branding/logo) no-repeat}';

const browser = chromiumForThisFile();

beforeAll(async () => {
  bed = await startAccountFlowBed();
  [acme, globex] = await Promise.all([bed.tenant('brand-acme'), bed.tenant('brand-globex')]);
  const ops = await machineClient(acme, 'branding ops', true);
  [writer, auditor] = await Promise.all([adminToken(acme, ops, 'settings:read settings:write'), adminToken(acme, ops, 'audit:read')]);
  const saved = await callAdmin(acme, '/branding', writer, {
    method: 'PATCH',
    body: { display_name: 'Acme Blau', primary_color: '#0A7', accent_color: '#123456', custom_css: CSS, logo: `data:image/png;base64,${PNG}`, default_language: 'fr' },
  });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
});
afterAll(async () => {
  await bed?.close();
});

function directives(csp: string | null): Map<string, string[]> {
  return new Map((csp ?? '').split(';').map((part) => part.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
}

async function loginPageIn(tenant: FlowTenant, extra: Record<string, string> = {}, acceptLanguage?: string) {
  const started = await startAuthorization(tenant.spa, { redirect_uri: REDIRECT_URI, scope: 'openid', ...extra });
  const browser = new TestBrowser();
  const redirect = await browser.request(started.url);
  const response = await browser.request(new URL(redirect.headers.get('location')!, started.url), {
    headers: { ...BROWSER_ACCEPT, ...(acceptLanguage && { 'accept-language': acceptLanguage }) },
  });
  expect(response.status).toBe(200);
  return { response, html: await response.text() };
}

describe('the branding admin API', () => {
  it('stores the branding normalised, with the files it is served from, and audits the change', async () => {
    const read = await callAdmin(acme, '/branding', writer);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ display_name: 'Acme Blau', primary_color: '#00aa77', accent_color: '#123456', custom_css: CSS, default_language: 'fr' });
    expect(read.body.logo).toMatchObject({ content_type: 'image/png', bytes: Buffer.from(PNG, 'base64').length, url: expect.stringContaining(`${acme.issuer}/branding/logo?v=`) });
    expect((read.body.stylesheet_url as string).startsWith(`${acme.issuer}/branding/style.css?v=`)).toBe(true);
    const events = await callAdmin(acme, '/audit-events?action=branding.updated&limit=1', auditor);
    const event = (events.body.items as Array<{ details: { after: Record<string, unknown> } }>)[0]!;
    expect(event.details.after).toMatchObject({ display_name: 'Acme Blau', custom_css: { bytes: CSS.length } });
    expect(JSON.stringify(event.details)).not.toContain(PNG);
  });

  it('refuses CSS that could load from elsewhere or leave its stylesheet, and bad colours, logos and languages, with a 400 naming the rule', async () => {
    const refused = async (body: Record<string, unknown>, error: string, says: string) => {
      const answer = await callAdmin(acme, '/branding', writer, { method: 'PATCH', body });
      expect(answer.status, JSON.stringify(answer.body)).toBe(400);
      expect(answer.body.error).toBe(error);
      expect(answer.body.error_description).toContain(says);
    };
    await refused({ custom_css: '@import "https://evil.test/x.css";' }, 'invalid_custom_css', '@import');
    await refused({ custom_css: '@IMPORT url(x.css);' }, 'invalid_custom_css', '@import');
    await refused({ custom_css: 'body{background:url(https://evil.test/pixel.png)}' }, 'invalid_custom_css', 'url()');
    await refused({ custom_css: 'body{background:url("//evil.test/p.png")}' }, 'invalid_custom_css', 'url()');
    await refused({ custom_css: 'p{color:red}</style><script>alert(1)</script>' }, 'invalid_custom_css', '<');
    await refused({ custom_css: '@\\69mport "x.css";' }, 'invalid_custom_css', 'backslash');
    await refused({ custom_css: 'p{color:red' }, 'invalid_custom_css', 'unbalanced');
    await refused({ custom_css: 'p{}'.repeat(3000) }, 'invalid_custom_css', 'longer than');
    await refused({ primary_color: 'red' }, 'invalid_branding', 'primary_color');
    await refused({ default_language: 'xx' }, 'invalid_branding', 'default_language');
    await refused({ logo: `data:image/png;base64,${Buffer.from('<svg onload=alert(1)>').toString('base64')}` }, 'invalid_branding', 'not a image/png');
    // Nothing of it was stored.
    expect((await callAdmin(acme, '/branding', writer)).body.custom_css).toBe(CSS);
  });

  it('previews a draft on the login page without storing it: CSS inline by hash, sandboxed, framable only by the console', async () => {
    const response = await fetch(`${acme.issuer}/admin/v1/branding/preview`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ primary_color: '#654321', custom_css: 'h1{color:#010203}', language: 'es' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const policy = directives(response.headers.get('content-security-policy'));
    expect(policy.has('sandbox')).toBe(true);
    expect(policy.get('frame-ancestors')).toEqual(["'self'"]);
    expect(policy.get('style-src')).not.toContain("'unsafe-inline'");
    const html = await response.text();
    expect(html).toContain('<html lang="es">');
    expect(html).toContain('--tansu-primary:#654321');
    expect(html).toContain('Iniciar sesión');
    expect((await callAdmin(acme, '/branding', writer)).body.primary_color).toBe('#00aa77');
  });
});

describe('branded pages', () => {
  it('the login page links the stylesheet and logo under the tenant, keeps style-src without unsafe-inline, and names the tenant as branded', async () => {
    const { response, html } = await loginPageIn(acme);
    const policy = directives(response.headers.get('content-security-policy'));
    expect(policy.get('style-src')).toContain("'self'");
    expect(policy.get('style-src')).not.toContain("'unsafe-inline'");
    expect(policy.get('img-src')).toEqual(["'self'", 'data:']);
    expect(html).toContain('<p class="muted">avec votre compte Acme Blau</p>');
    const stylesheet = /<link rel="stylesheet" href="([^"]+)">/.exec(html)![1]!.replaceAll('&amp;', '&');
    const logo = /<img src="([^"]+)" alt="Acme Blau">/.exec(html)![1]!.replaceAll('&amp;', '&');
    expect(stylesheet.startsWith(`/t/${acme.id}/branding/style.css?v=`)).toBe(true);

    const css = await fetch(new URL(stylesheet, acme.issuer));
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('x-content-type-options')).toBe('nosniff');
    expect(css.headers.get('cache-control')).toContain('immutable');
    const text = await css.text();
    expect(text).toContain(':root{--tansu-primary:#00aa77;--tansu-accent:#123456}');
    expect(text).toContain(CSS);

    const image = await fetch(new URL(logo, acme.issuer));
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer())).toEqual(Buffer.from(PNG, 'base64'));
  });

  it("tenant A's branding never shows at tenant B, and B's path does not serve A's files", async () => {
    const { html } = await loginPageIn(globex);
    expect(html).toContain('<html lang="en">');
    expect(html).not.toContain('Acme Blau');
    expect(html).not.toContain('<link rel="stylesheet"');
    expect(html).not.toContain('<img');
    const acmeLogo = (await callAdmin(acme, '/branding', writer)).body.logo as { digest: string };
    expect((await fetch(`${globex.issuer}/branding/logo?v=${acmeLogo.digest}`)).status).toBe(404);
    expect((await fetch(`${globex.issuer}/branding/style.css`)).status).toBe(404);
    // An admin token of acme cannot read or change globex's branding.
    expect((await callAdmin(globex, '/branding', writer)).status).toBe(401);
  });
});

describe('languages', () => {
  it('ui_locales wins over Accept-Language, which wins over the tenant default; discovery names the languages', async () => {
    const turkish = await loginPageIn(acme, { ui_locales: 'tr de' }, 'de-DE,de;q=0.9');
    expect(turkish.html).toContain('<html lang="tr">');
    expect(turkish.html).toContain('Parolanızı mı unuttunuz?');
    const german = await loginPageIn(acme, { ui_locales: 'ja' }, 'ja, de-AT;q=0.8, en;q=0.5');
    expect(german.html).toContain('<html lang="de">');
    expect(german.html).toContain('<label for="password">Passwort</label>');
    expect(german.html).toContain('Passwort vergessen?');
    expect(german.html).toContain('>Mit Passkey anmelden</button>');
    const refused = await fetch(`${acme.issuer}/interaction/no-such-sign-in`, { headers: { ...BROWSER_ACCEPT, 'accept-language': 'de' } });
    expect(await refused.text()).toContain('<h1>Diese Anmeldung kann nicht fortgesetzt werden</h1>');
    const unfinished = await fetch(`${acme.issuer}/account/callback?state=stale`, { headers: { ...BROWSER_ACCEPT, 'accept-language': 'de' } });
    const unfinishedHtml = await unfinished.text();
    expect(unfinishedHtml).toContain('Anmeldung nicht abgeschlossen');
    expect(unfinishedHtml).toContain('>Erneut anmelden</a>');
    const spanish = await loginPageIn(globex, {}, 'es');
    expect(spanish.html).toContain('¿Has olvidado la contraseña?');
    expect(spanish.html).toContain('Inicia sesión en Flows SPA');
    const french = await loginPageIn(acme);
    expect(french.html).toContain('<html lang="fr">');
    expect(french.html).toContain('Mot de passe oublié ?');
    const english = await loginPageIn(globex, {}, 'fr;q=0, en');
    expect(english.html).toContain('Forgot password?');
    const discovery = (await (await fetch(`${acme.issuer}/.well-known/openid-configuration`)).json()) as { ui_locales_supported: string[] };
    expect(discovery.ui_locales_supported).toEqual(['en', 'de', 'fr', 'es', 'tr']);
  });

  it("a mail speaks the language of the person's request and wears the tenant's branding; a tenant's own template stays as written", async () => {
    const email = 'lucia@brand.test';
    await createUser(acme, { email, password: 'the first password', emailVerified: true }, TEST_ACTOR);
    const browser = new TestBrowser();
    const headers = { ...BROWSER_ACCEPT, 'accept-language': 'es-ES' };
    const page = await browser.request(`${acme.issuer}/forgot-password`, { headers });
    const html = await page.text();
    expect(html).toContain('¿Has olvidado la contraseña?');
    const [form] = formsOf(html, `${acme.issuer}/forgot-password`);
    const sent = await browser.request(form!.action, { form: { ...form!.fields, email }, headers });
    expect(sent.status).toBeLessThan(400);
    expect(await sent.text()).toContain('<h1>Revisa tu correo</h1>');
    const received = await nthMailTo(bed.smtp, email);
    expect(received.mail.subject).toBe('Restablece tu contraseña de Acme Blau');
    expect(received.mail.text).toContain('durante 30 minutos');
    expect(received.mail.html).toContain('background: #00aa77');
    expect(received.mail.html).toContain(`src="${acme.issuer}/branding/logo?v=`);
    expect(received.mail.html).toContain('<html lang="es">');

    // Overridden by the tenant: its words in every language; the parts it left still translated.
    expect((await callAdmin(acme, '/mail/templates/reset_password', writer, { method: 'PUT', body: { subject: 'Your Acme reset' } })).status).toBe(200);
    const again = await browser.request(form!.action, { form: { ...form!.fields, email }, headers: { ...BROWSER_ACCEPT, 'accept-language': 'de' } });
    expect(again.status).toBeLessThan(400);
    const second = await nthMailTo(bed.smtp, email, 2);
    expect(second.mail.subject).toBe('Your Acme reset');
    expect(second.mail.text).toContain('Jemand möchte das Passwort');
  });

  it('the branded login page in German, in a real browser: the stylesheet and logo load within the CSP (screenshot)', async () => {
    const started = await startAuthorization(acme.spa, { redirect_uri: REDIRECT_URI, scope: 'openid', ui_locales: 'de' });
    const { context, page } = await openPage(browser());
    try {
      const problems = watchPage(page);
      await page.goto(started.url.href);
      await page.getByRole('heading', { name: 'Bei Flows SPA anmelden' }).waitFor();
      const border = await page.locator('main').evaluate((element) => getComputedStyle(element).borderTopColor);
      expect(border).toBe('rgb(217, 72, 15)');
      // The passkey script has its sentences in the page's language, and says nothing on load: the
      // autofill offer cannot run here (an IP address is no RP ID), which the person did not ask for.
      expect(await page.locator('#passkey-form').getAttribute('data-msg-failed')).toBe('Der Passkey hat hier nicht funktioniert. Versuchen Sie es erneut oder wählen Sie einen anderen Weg.');
      expect(await page.locator('#passkey-error').isHidden()).toBe(true);
      const button = await page.getByRole('button', { name: 'Anmelden', exact: true }).evaluate((element) => getComputedStyle(element).backgroundColor);
      expect(button).toBe('rgb(0, 170, 119)');
      expect(await page.locator('img[alt="Acme Blau"]').evaluate((element) => (element as HTMLImageElement).naturalWidth)).toBe(1);
      await screenshot(page, 'branding', 'login-de');
      // The custom CSS's url() to another path of this host is allowed (a 404 here); nothing else fails (the page names an empty icon: no /favicon.ico).
      expect(problems.filter((problem) => !problem.includes('/t/elsewhere/'))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
