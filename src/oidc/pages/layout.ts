import crypto from 'node:crypto';
import { pageContext, currentLocale } from '../../modules/branding/page-context.ts';
import { brandingStylesheet, stylesheetVersion } from '../../modules/branding/branding.ts';
import { issuerPath } from '../../platform/issuer.ts';

/**
 * Server-rendered pages (this folder: one file per page, this one the frame they share): plain
 * HTML with labelled fields and one inline stylesheet, usable with no JavaScript and with a
 * screen reader. Every interpolated value goes through `escapeHtml`; every word through `t`
 * (i18n/translate.ts), in the request's language. The tenant's branding (its colours, its own
 * CSS, its logo) comes from the request's page context (modules/branding/page-context.ts).
 */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The pages' own stylesheet, inline and allowed by its hash. */
export const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1d2330}
main{max-width:26rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.4rem;margin:0 0 1rem}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input[type=email],input[type=password],input[type=text]{width:100%;padding:.6rem;border:1px solid #8a93a6;border-radius:.3rem;font:inherit}
input:focus,button:focus{outline:3px solid var(--tansu-primary,#2b6cb0);outline-offset:2px}
button{font:inherit;padding:.6rem 1rem;border-radius:.3rem;border:1px solid var(--tansu-accent,#1f4f85);background:var(--tansu-primary,#2b6cb0);color:#fff;cursor:pointer}
button.secondary{background:#fff;color:var(--tansu-accent,#1f4f85)}
.actions{display:flex;gap:.75rem;margin-top:1.5rem;flex-wrap:wrap}
.error{background:#fdecea;border:1px solid #b42318;color:#7a1a12;padding:.75rem;border-radius:.3rem}
ul{padding-left:1.25rem}
.muted{color:#4a5468;font-size:.9rem}
code{font:.9em ui-monospace,SFMono-Regular,Menlo,monospace;overflow-wrap:anywhere}
a{color:var(--tansu-accent,#1f4f85)}
a:focus{outline:3px solid var(--tansu-primary,#2b6cb0);outline-offset:2px}
main.wide{max-width:42rem}
.status{background:#e8f4ea;border:1px solid #2e7d32;color:#1b4d20;padding:.75rem;border-radius:.3rem}
.masthead{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:.5rem}
.masthead p{margin:0}
nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;padding:0;margin:1rem 0 1.5rem;border-bottom:1px solid #d5d9e0}
nav a{display:inline-block;padding:.5rem 0;text-decoration:none}
nav a[aria-current=page]{font-weight:600;border-bottom:3px solid var(--tansu-primary,#2b6cb0)}
ul.items{list-style:none;padding:0}
ul.items>li{border:1px solid #d5d9e0;border-radius:.3rem;padding:.75rem 1rem;margin:.75rem 0}
ul.items h3{font-size:1rem;margin:0 0 .25rem}
ul.items p{margin:.25rem 0}
ul.items form{margin-top:.5rem}
.brand{margin:0 0 1rem}
.brand img{display:block;max-height:3rem;max-width:12rem}
@media (max-width:30rem){main{margin:0;border-radius:0;box-shadow:none;padding:1.25rem}}
`;

/** The CSP source of an inline stylesheet: it may apply, nothing else inline may. */
export function styleHashSource(css: string): string {
  return `'sha256-${crypto.createHash('sha256').update(css).digest('base64')}'`;
}

/**
 * Headers of an HTML page whose only inline style is `inlineStyles`: never framed (clickjacking a
 * sign-in or sign-out button), no plugin or remote resource, and no script. Stylesheets and
 * images come from this origin only (the tenant's branding, served under its own path), and the
 * one inline stylesheet by its hash: 'unsafe-inline' never, so nothing injected could style a
 * page either (`data:` images are for the empty icon each page names, so that a browser does not
 * ask for /favicon.ico). The provider's self-submitting forms (form_post, sign-out without a session) add
 * the hash of their one script to `script-src` themselves, which a browser then allows instead
 * of 'none'; nothing else on a page runs.
 */
export function pageSecurityHeaders(
  inlineStyles: readonly string[],
  imageSources = "'self' data:",
  scripts: { script: string; connect?: string } = { script: "'none'" },
): Readonly<Record<string, string>> {
  const styles = ["'self'", ...inlineStyles.map(styleHashSource)].join(' ');
  const connect = scripts.connect ? `; connect-src ${scripts.connect}` : '';
  return Object.freeze({
    'x-frame-options': 'DENY',
    'content-security-policy': `default-src 'none'; script-src ${scripts.script}${connect}; style-src ${styles}; img-src ${imageSources}; frame-ancestors 'none'; base-uri 'none'`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
}

/** Headers of every HTML page this server renders with `page`, ours and oidc-provider's alike. */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = pageSecurityHeaders([STYLE]);

/** The tenant's stylesheet and logo where it has them, from the request's page context. */
function brandingHead(): { link: string; logo: string } {
  const tenant = pageContext()?.tenant;
  if (!tenant) return { link: '', logo: '' };
  // A path, not the issuer's URL: same-origin for the CSP whichever way the page was reached.
  const base = `${issuerPath(tenant.issuer)}/branding`;
  const version = stylesheetVersion(tenant.branding);
  // A preview (the console's draft) is not stored: its CSS inline, allowed by the preview's own hash.
  const link = !version ? '' : tenant.preview ? `\n<style>${brandingStylesheet(tenant.branding)}</style>` : `\n<link rel="stylesheet" href="${escapeHtml(`${base}/style.css?v=${version}`)}">`;
  const logoSrc = tenant.preview ? tenant.preview.logoSrc : tenant.branding.logo && `${base}/logo?v=${tenant.branding.logo.digest}`;
  const logo = logoSrc ? `<p class="brand"><img src="${escapeHtml(logoSrc)}" alt="${escapeHtml(tenant.name)}"></p>\n` : '';
  return { link, logo };
}

/** `wide`: room for lists (the account page); forms alone keep the narrow column. */
export function page(title: string, body: string, options: { wide?: boolean } = {}): string {
  const branding = brandingHead();
  return `<!DOCTYPE html>
<html lang="${currentLocale()}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>${branding.link}
</head>
<body>
<main${options.wide ? ' class="wide"' : ''}>
${branding.logo}${body}
</main>
</body>
</html>`;
}
