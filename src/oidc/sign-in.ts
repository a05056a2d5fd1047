/**
 * Authentication Method Reference values, the registry of RFC 8176 §2. Tokens claim only these,
 * so a relying party can read `amr` without knowing this server.
 */
export type AuthenticationMethod =
  | 'face'
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
 * What any way of signing in yields: the account, and how it was proved. The password form, the
 * password grant and magic links make one today; upstream login, MFA and passkeys each make one
 * and hand it to the same finish (routes/interactions/finish.ts), so the claims stay uniform.
 */
export interface SignIn extends Authentication {
  accountId: string;
}

/** A password sign-in, the one place it is described: RFC 8176 `pwd`, no acr. */
export const PASSWORD_AUTHENTICATION: Readonly<Authentication> = Object.freeze({ amr: Object.freeze(['pwd'] as const) });

export function passwordSignIn(accountId: string): SignIn {
  return { accountId, ...PASSWORD_AUTHENTICATION };
}

/**
 * A mailed sign-in link (routes/interactions/magic-link.ts): RFC 8176 `otp`, a one-time secret
 * delivered out of band. The registry has no value for mail (`sms` and `tel` are for phones), and
 * an unregistered `email` would mean nothing to a relying party that does not know this server.
 * It is one factor: a second factor will claim `["pwd", "otp", "mfa"]`, so `mfa` tells them apart.
 */
export const MAGIC_LINK_AUTHENTICATION: Readonly<Authentication> = Object.freeze({ amr: Object.freeze(['otp'] as const) });

export function magicLinkSignIn(accountId: string): SignIn {
  return { accountId, ...MAGIC_LINK_AUTHENTICATION };
}
