import { escapeHtml } from '../../oidc/pages/layout.ts';

/**
 * The one HTML page of a console (tenant or, later, platform): it loads the stylesheet and the
 * console's entry module and carries the console's settings as JSON in a data attribute, where
 * no script is needed to put them. Everything else is drawn by the modules.
 */
export interface ConsoleShell {
  title: string;
  /** Root-relative URL of the build's assets, ending in `/` (console-assets.ts). */
  assetBase: string;
  /** The entry module, relative to the build, e.g. `tenant/main.js`. */
  entry: string;
  /** What the modules read from `document.body.dataset.console`. */
  settings: Record<string, unknown>;
}

/**
 * A strict policy: scripts, styles and requests only from this origin, no inline script or
 * style, no framing, no `<base>`, forms only to this origin. `img-src data:` is for the empty
 * icon the page names, so the browser does not ask for /favicon.ico. `style-src blob:` is for the
 * branding preview (console/tenant/pages/branding.js): its page sits in a sandboxed srcdoc frame,
 * under this policy, its inline styles turned into blob: stylesheets; only a script of this
 * origin can make a blob: URL of it, and only our own files run. The tokens the console holds are worth an attacker's
 * script, so nothing but our own files may run.
 */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' blob:; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // The page names the build of its assets: it is asked for anew each time, the assets are not.
  'cache-control': 'no-cache',
});

export function consoleShellPage(shell: ConsoleShell): string {
  const asset = (file: string) => escapeHtml(`${shell.assetBase}${file}`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(shell.title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${asset('shell/console.css')}">
<link rel="modulepreload" href="${asset('vendor/preact-htm.js')}">
<script type="module" src="${asset(shell.entry)}"></script>
</head>
<body data-console="${escapeHtml(JSON.stringify(shell.settings))}">
<div id="app"><main class="boot"><p>Loading the console…</p><noscript><p>The console needs JavaScript.</p></noscript></main></div>
</body>
</html>
`;
}
