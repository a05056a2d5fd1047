import { html, useEffect, useRef, useState } from './preact.js';
import { Link } from './router.js';

/**
 * The console's frame: a skip link, the header with who is signed in and "Sign out", the
 * navigation (a menu button on a phone) and the page. After every navigation the new page's
 * heading takes the focus, so a screen reader announces where the user is and keyboard users
 * continue from the top of the page, and the document title follows.
 *
 * @param {{title: string, subtitle: string, nav: {to: string, label: string}[], current: string, user: {email?: string, name?: string},
 *   onSignOut: () => void, pageTitle: string, path: string, children: any}} props
 */
export function Layout({ title, subtitle, nav, current, user, onSignOut, pageTitle, path, children }) {
  const [menuOpen, setMenuOpen] = useState(false);
  const first = useRef(true);
  useEffect(() => {
    document.title = `${pageTitle} · ${title} · ${subtitle}`;
    setMenuOpen(false);
    if (first.current) {
      first.current = false;
      return;
    }
    const heading = document.querySelector('main h1');
    (heading instanceof HTMLElement ? heading : document.getElementById('main'))?.focus();
  }, [path]);

  return html`<a class="skip" href="#main">Skip to the content</a>
    <header class="top">
      <div class="brand"><span class="product">${title}</span> <span class="tenant">${subtitle}</span></div>
      <button type="button" class="menu-toggle secondary" aria-expanded=${menuOpen} aria-controls="console-nav" onClick=${() => setMenuOpen(!menuOpen)}>Menu</button>
      <div class="who">
        <span class="user" title=${user.email ?? ''}>${user.name || user.email || 'signed in'}</span>
        <button type="button" class="secondary" onClick=${onSignOut}>Sign out</button>
      </div>
    </header>
    <div class="frame">
      <nav id="console-nav" class=${menuOpen ? 'open' : ''} aria-label="Console">
        <ul>
          ${nav.map(
            (item) => html`<li><${Link} to=${item.to} aria-current=${item.to === current ? 'page' : undefined}>${item.label}<//></li>`,
          )}
        </ul>
      </nav>
      <main id="main" tabindex="-1">${children}</main>
    </div>`;
}

/** A page outside the frame: signing in, signed out, not an administrator. */
export function Standalone({ title, children }) {
  useEffect(() => {
    document.title = title;
    document.querySelector('main h1')?.focus?.();
  }, [title]);
  return html`<main class="standalone" id="main">
    <h1 tabindex="-1">${title}</h1>
    ${children}
  </main>`;
}
