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

/** How a person proved who they are: what lands in the ID token's `amr` and `acr` claims. */
export interface Authentication {
  /** Every method used, at least one: `['pwd']`, or `['pwd', 'otp', 'mfa']` once a second factor exists. */
  amr: readonly [AuthenticationMethod, ...AuthenticationMethod[]];
  /**
   * The authentication context class. None is claimed yet: the provider publishes no
   * `acr_values_supported`, and a class means something only once there is more than one
   * strength of sign-in (MFA) to tell apart.
   */
  acr?: string;
}

/**
 * What any way of signing in yields: the account, and how it was proved. The password form and
 * the password grant make one today; upstream login, MFA, magic links and passkeys each make one
 * and hand it to the same finish (routes/interactions/finish.ts), so the claims stay uniform.
 */
export interface SignIn extends Authentication {
  accountId: string;
  /** The connection an upstream sign-in came through (modules/connections/): the tokens' `idp` claim. */
  idp?: string;
}

/** A password sign-in, the one place it is described: RFC 8176 `pwd`, no acr. */
export const PASSWORD_AUTHENTICATION: Readonly<Authentication> = Object.freeze({ amr: Object.freeze(['pwd'] as const) });

export function passwordSignIn(accountId: string): SignIn {
  return { accountId, ...PASSWORD_AUTHENTICATION };
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
