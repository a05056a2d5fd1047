/**
 * oidc-provider keeps a sign-in's `amr` and `acr` in the session and copies them into every
 * code, refresh token and ID token made from it, but nothing else about the sign-in. The
 * connection an upstream sign-in came through rides in the session's amr as one more entry,
 * `idp:<connection>`; the ID token (oidc/provider.ts) and the admin API's session list take it
 * out again into an `idp` of its own, so it never shows as an amr value.
 */
const IDP_ENTRY = 'idp:';

export function idpAmrEntry(connection: string): string {
  return `${IDP_ENTRY}${connection}`;
}

/** A stored amr split into its methods and the connection, if the sign-in came through one. */
export function splitIdpFromAmr(stored: unknown): { amr: string[]; idp: string | null } {
  const entries = Array.isArray(stored) ? stored.map(String) : [];
  const idp = entries.find((entry) => entry.startsWith(IDP_ENTRY));
  return { amr: entries.filter((entry) => !entry.startsWith(IDP_ENTRY)), idp: idp === undefined ? null : idp.slice(IDP_ENTRY.length) };
}
