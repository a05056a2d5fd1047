import { idpAmrEntry, splitIdpFromAmr } from '../modules/connections/idp-claim.ts';

/**
 * Authentication Method Reference values, the registry of RFC 8176 §2, and `fed`. Tokens claim
 * only these, so a relying party can read `amr` without knowing this server. The registry has no
 * value for "another identity provider signed the person in"; `fed` is the one Microsoft Entra ID
 * puts in its tokens for that, and RFC 8176 §2 lets values outside the registry be used. Which
 * provider it was is the `idp` claim.
 */
export type AuthenticationMethod =
  | 'face'
  | 'fed'
  | 'fpt'
  | 'geo'
  | 'hwk'
  | 'iris'
  | 'kba'
  | 'mca'
  | 'mfa'
  | 'otp'
  | 'pin'
  | 'pwd'
  | 'rba'
  | 'retina'
  | 'sc'
  | 'sms'
  | 'swk'
  | 'tel'
  | 'user'
  | 'vbm'
  | 'wia';

/**
 * The authentication context classes (`acr`) this server claims, published as
 * `acr_values_supported`: a sign-in with a second factor (`amr` holds `mfa`) is `…:mfa`, any
 * other `…:1fa` (one factor: a password today). A relying party that needs the stronger one asks
 * with `acr_values=urn:tansu:acr:mfa` or an essential `acr` claim, and gets the second-factor
 * step even where the tenant's policy would not ask (oidc/acr.ts).
 */
export const ACR = Object.freeze({ singleFactor: 'urn:tansu:acr:1fa', multiFactor: 'urn:tansu:acr:mfa' });
export const ACR_VALUES: readonly string[] = Object.freeze([ACR.singleFactor, ACR.multiFactor]);

/** How a person proved who they are: what lands in the ID token's `amr` and `acr` claims. */
export interface Authentication {
  /** Every method used, at least one: `['pwd']`, or `['pwd', 'otp', 'mfa']` with a second factor. */
  amr: readonly [AuthenticationMethod, ...AuthenticationMethod[]];
  /** The authentication context class; where a SignIn leaves it out, the claims take acrOf(amr). */
  acr?: string;
}

/**
 * What any way of signing in yields: the account, and how it was proved. The password form, the
 * password grant and magic links make one today; upstream login and passkeys each make one
 * and hand it to the same finish (routes/interactions/finish.ts), so the claims stay uniform.
 */
export interface SignIn extends Authentication {
  accountId: string;
  /** The connection an upstream sign-in came through (modules/connections/): the tokens' `idp` claim. */
  idp?: string;
}

/** The class a sign-in of these methods reaches. */
export function acrOf(amr: readonly AuthenticationMethod[]): string {
  return amr.includes('mfa') ? ACR.multiFactor : ACR.singleFactor;
}

/** A password sign-in, the one place it is described: RFC 8176 `pwd`, one factor. */
export const PASSWORD_AUTHENTICATION: Readonly<Authentication> = Object.freeze({ amr: Object.freeze(['pwd'] as const), acr: ACR.singleFactor });

export function passwordSignIn(accountId: string): SignIn {
  return { accountId, ...PASSWORD_AUTHENTICATION };
}

/**
 * A mailed sign-in link (routes/interactions/magic-link.ts): RFC 8176 `otp`, a one-time secret
 * delivered out of band. The registry has no value for mail (`sms` and `tel` are for phones), and
 * an unregistered `email` would mean nothing to a relying party that does not know this server.
 * It is one factor: a second factor will claim `["pwd", "otp", "mfa"]`, so `mfa` tells them apart.
 */
export const MAGIC_LINK_AUTHENTICATION: Readonly<Authentication> = Object.freeze({ amr: Object.freeze(['otp'] as const), acr: ACR.singleFactor });

export function magicLinkSignIn(accountId: string): SignIn {
  return { accountId, ...MAGIC_LINK_AUTHENTICATION };
}

/**
 * A first factor completed by a second: RFC 8176 `otp` (an authenticator app's code, or a
 * recovery code, which is a one-time password too), or a passkey's `hwk` / `swk`
 * (modules/mfa/passkeys.service.ts: `swk` when the passkey is backed up, synced off its
 * device; `hwk` when it is bound to its authenticator), and `mfa`.
 */
export function withSecondFactor(first: SignIn, method: 'otp' | 'hwk' | 'swk'): SignIn {
  const amr = [...new Set<AuthenticationMethod>([...first.amr, method, 'mfa'])] as unknown as SignIn['amr'];
  return { accountId: first.accountId, amr, acr: acrOf(amr), ...(first.idp ? { idp: first.idp } : {}) };
}

/**
 * A passwordless sign-in with a passkey, user verification included (a PIN or biometric on the
 * authenticator, which the server requires for it): possession of the key and the person's
 * verification, so `mfa` and the MFA class, no second step. `hwk` or `swk` as for a second factor.
 */
export function passkeySignIn(accountId: string, method: 'hwk' | 'swk'): SignIn {
  return { accountId, amr: [method, 'mfa'], acr: ACR.multiFactor };
}

/** A sign-in through a connection: `fed`, and `pwd` too when the local password was proven to link it. */
export function upstreamSignIn(accountId: string, connection: string, withPassword = false): SignIn {
  return { accountId, amr: withPassword ? ['fed', 'pwd'] : ['fed'], idp: connection };
}

/** The amr the session keeps: the methods, and the connection as an `idp:` entry (modules/connections/idp-claim.ts). */
export function sessionAmr(signIn: SignIn): string[] {
  return [...signIn.amr, ...(signIn.idp ? [idpAmrEntry(signIn.idp)] : [])];
}

/** An ID token's claims with the connection moved from `amr` to the `idp` claim. */
export function upstreamClaims<T extends { amr?: unknown }>(claims: T): T | (T & { amr: string[]; idp: string }) {
  if (!Array.isArray(claims.amr)) return claims;
  const { amr, idp } = splitIdpFromAmr(claims.amr);
  return idp === null ? claims : { ...claims, amr, idp };
}
