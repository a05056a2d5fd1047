/**
 * @typedef {object} ConsoleSettings What the server put on the page (routes/console/console.routes.ts).
 * @property {'tenant'|'platform'} kind
 * @property {string} tenant       the tenant's id
 * @property {string} tenant_name  its display name
 * @property {string} issuer       the tenant's issuer, where the console signs in
 * @property {string} base         the console's path, e.g. /t/acme/console (no trailing slash)
 * @property {string} client_id    the built-in first-party client, tansu-console
 * @property {string} redirect_uri  where the sign-in answers: <base>/callback on this origin
 * @property {string} post_logout_redirect_uri  where signing out comes back to: <base>/
 * @property {string} resource     the admin API's resource indicator, <issuer>/admin
 * @property {string} api          the admin API's base URL, <issuer>/admin/v1
 * @property {string[]} scopes     the admin API's scopes, all asked for
 */

/** @returns {ConsoleSettings} */
export function readSettings() {
  return JSON.parse(document.body.dataset.console ?? '{}');
}
