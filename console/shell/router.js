import { html, useEffect, useState } from './preact.js';

/**
 * Routing in the browser with the History API: every console path is served the same page,
 * so a reload or a bookmark lands on the same view. Paths are relative to the console's base
 * (`users/1234`); patterns name their parameters (`users/:id`).
 */
let base = '';
/** @type {Set<() => void>} */
const listeners = new Set();

/** @param {string} consoleBase e.g. /t/acme/console */
export function startRouter(consoleBase) {
  base = consoleBase;
  addEventListener('popstate', () => notify());
}

function notify() {
  for (const listener of listeners) listener();
}

/** The current path below the base, without slashes at either end. */
export function currentPath() {
  const path = location.pathname.startsWith(base) ? location.pathname.slice(base.length) : location.pathname;
  return path.replace(/^\/+|\/+$/g, '');
}

/** The full URL path of a console path. */
export function hrefOf(path) {
  return `${base}/${path}`;
}

/** @param {string} path @param {{replace?: boolean}} [options] */
export function navigate(path, options = {}) {
  const url = hrefOf(path);
  if (options.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  notify();
}

/** Re-renders on every navigation; returns the current path. */
export function usePath() {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const update = () => setPath(currentPath());
    listeners.add(update);
    return () => listeners.delete(update);
  }, []);
  return path;
}

/**
 * The first route whose pattern matches, with its parameters.
 * @template T
 * @param {{pattern: string} & T[]} routes
 * @param {string} path
 * @returns {{route: T & {pattern: string}, params: Record<string, string>} | undefined}
 */
export function matchRoute(routes, path) {
  const parts = path === '' ? [] : path.split('/');
  for (const route of routes) {
    const pattern = route.pattern === '' ? [] : route.pattern.split('/');
    if (pattern.length !== parts.length) continue;
    /** @type {Record<string, string>} */
    const params = {};
    const matches = pattern.every((segment, index) => {
      if (segment.startsWith(':')) {
        params[segment.slice(1)] = decodeURIComponent(parts[index]);
        return true;
      }
      return segment === parts[index];
    });
    if (matches) return { route, params };
  }
  return undefined;
}

/** A link inside the console: a real `<a href>` (open in a new tab works), followed without reloading. */
export function Link({ to, children, ...rest }) {
  const onClick = (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return html`<a href=${hrefOf(to)} onClick=${onClick} ...${rest}>${children}</a>`;
}
