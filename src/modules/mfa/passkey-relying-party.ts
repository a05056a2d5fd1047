/**
 * Who a passkey belongs to, in WebAuthn's terms: the relying party. Its id is the host of the
 * tenant's issuer (platform/issuer.ts): `id.example.com` for a tenant on the path form,
 * `acme.id.example.com` on its subdomain, `auth.acme.com` on its custom domain. The expected
 * origin is the issuer's origin, where every sign-in page of the tenant is served (a browser's
 * page request that came another way is redirected there). So a passkey made for a tenant's own
 * host is offered by browsers only there. Tenants on the path form share their host, hence the
 * relying party id: a browser may offer one tenant's passkey at another, which then refuses it,
 * since its database does not know the credential.
 */
export interface RelyingParty {
  /** The RP ID: the issuer's host name, without port. */
  id: string;
  /** The only origin an answer may come from: the issuer's. */
  origin: string;
  /** What the authenticator shows: the tenant's display name. */
  name: string;
}

export function relyingPartyOf(issuer: string, tenantName: string): RelyingParty {
  const url = new URL(issuer);
  return { id: url.hostname, origin: url.origin, name: tenantName };
}
