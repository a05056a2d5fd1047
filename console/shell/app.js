import { html, render, useEffect, useState } from './preact.js';
import { ConsoleSession, SignInError } from './auth.js';
import { createApi } from './api.js';
import { currentPath, matchRoute, navigate, startRouter, usePath } from './router.js';
import { Layout, Standalone } from './layout.js';
import { ErrorNotice } from './components.js';
import { readSettings } from './settings.js';

/**
 * Starts a console: reads its settings from the page, finishes or starts the sign-in, and
 * draws the page of the current path inside the frame. The tenant console (tenant/main.js)
 * and the platform console (platform/main.js) differ only in their routes, navigation and titles,
 * and in how they learn that the signed-in user may not use them.
 *
 * @typedef {object} ConsoleRoute
 * @property {string} pattern   e.g. `users/:id`
 * @property {string} title     the document title (a page may show a longer heading)
 * @property {string} [nav]     the navigation entry it belongs to
 * @property {(props: any) => any} page
 *
 * `mayUse`, when given, is asked once signed in: the platform API grants its scope to any user of
 * the admin tenant and refuses one without PlatformAdmin at each call, so the scope alone does
 * not tell; `NotAllowed` is then shown instead of the console.
 *
 * @param {{title: string, routes: ConsoleRoute[], nav: {to: string, label: string}[],
 *   mayUse?: (context: any) => Promise<boolean>, NotAllowed?: (props: any) => any}} definition
 */
export async function startConsole(definition) {
  const settings = readSettings();
  startRouter(settings.base);
  const session = new ConsoleSession(settings);
  const api = createApi(settings.api, session);
  const context = { settings, session, api };
  const root = document.getElementById('app');
  // The server's "Loading…" placeholder is no Preact tree: Preact would draw beside it, not over it.
  root.replaceChildren();
  const show = (view) => render(view, root);

  if (currentPath() === 'callback') {
    show(html`<${Standalone} title="Signing in…"><p role="status">Finishing the sign-in…</p><//>`);
    try {
      const returnTo = await session.finishSignIn(new URL(location.href));
      navigate(returnTo === 'callback' ? '' : returnTo, { replace: true });
    } catch (error) {
      show(html`<${SignInFailed} error=${error} session=${session} />`);
      return;
    }
  } else if (!session.signedIn) {
    const query = new URLSearchParams(location.search);
    if (query.get('state') === 'signed-out') {
      history.replaceState(null, '', settings.base + '/');
      show(html`<${SignedOut} session=${session} settings=${settings} />`);
      return;
    }
    show(html`<${Standalone} title="Signing in…"><p role="status">Taking you to the sign-in page…</p><//>`);
    await session.startSignIn(currentPath()).catch((error) => show(html`<${SignInFailed} error=${error} session=${session} />`));
    return;
  }
  if (definition.mayUse && !(await definition.mayUse(context))) {
    const NotAllowed = definition.NotAllowed ?? NotAdmin;
    show(html`<${NotAllowed} session=${session} settings=${settings} />`);
    return;
  }
  show(html`<${ConsoleApp} definition=${definition} context=${context} />`);
}

function ConsoleApp({ definition, context }) {
  const { session, settings } = context;
  const path = usePath();
  const [, setVersion] = useState(0);
  useEffect(() => session.onChange(() => setVersion((version) => version + 1)), []);

  if (!session.signedIn) return html`<${SessionEnded} session=${session} />`;
  if (!session.isAdmin) return html`<${NotAdmin} session=${session} settings=${settings} />`;

  const match = matchRoute(definition.routes, path);
  const Page = match?.route.page ?? NotFound;
  return html`<${Layout}
    title=${definition.title}
    subtitle=${settings.tenant_name}
    nav=${definition.nav}
    current=${match?.route.nav ?? ''}
    user=${session.tokens.user}
    onSignOut=${() => session.signOut()}
    pageTitle=${match?.route.title ?? 'Not found'}
    path=${path}>
    <${Page} key=${path} app=${context} params=${match?.params ?? {}} />
  <//>`;
}

function NotFound() {
  return html`<h1 tabindex="-1">Page not found</h1><p>The console has no page at this address. Choose one from the menu.</p>`;
}

function SignInFailed({ error, session }) {
  const described = error instanceof SignInError ? error : { description: error?.message ?? String(error) };
  return html`<${Standalone} title="The sign-in did not succeed">
    <${ErrorNotice} error=${described} />
    <p><button type="button" onClick=${() => session.startSignIn('')}>Try again</button></p>
  <//>`;
}

function SignedOut({ session, settings }) {
  return html`<${Standalone} title="You have signed out">
    <p>You have signed out of the console of ${settings.tenant_name}.</p>
    <p><button type="button" onClick=${() => session.startSignIn('')}>Sign in again</button></p>
  <//>`;
}

function SessionEnded({ session }) {
  return html`<${Standalone} title="Your session has ended">
    <p>Sign in again to go on where you were.</p>
    <p><button type="button" onClick=${() => session.startSignIn(currentPath())}>Sign in again</button></p>
  <//>`;
}

function NotAdmin({ session, settings }) {
  const user = session.tokens?.user ?? {};
  return html`<${Standalone} title="You are not an administrator of this tenant">
    <p>You are signed in as <strong>${user.email ?? user.sub}</strong>, but only users with the <code>TenantAdmin</code> role of
      ${' '}<strong>${settings.tenant_name}</strong> may use its console. Ask one of its administrators to give you the role, then sign in again.</p>
    <p><button type="button" onClick=${() => session.signOut()}>Sign out</button></p>
  <//>`;
}
