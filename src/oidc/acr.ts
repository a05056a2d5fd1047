import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { ACR } from './sign-in.ts';

/**
 * Step-up: a relying party demands a second factor by asking for the MFA class only, with
 * `acr_values=urn:tansu:acr:mfa` or a `claims` request for `acr` (`value` or `values`, essential
 * or not). Asking for both classes leaves the choice to the tenant's policy.
 */
export function mfaDemanded(params: Record<string, unknown>): boolean {
  return demandsMfaOnly(acrValuesOf(params.acr_values)) || demandsMfaOnly(claimedAcrsOf(params.claims));
}

function demandsMfaOnly(acceptable: string[] | undefined): boolean {
  return acceptable !== undefined && acceptable.includes(ACR.multiFactor) && !acceptable.includes(ACR.singleFactor);
}

function acrValuesOf(value: unknown): string[] | undefined {
  return typeof value === 'string' && value.trim() ? value.trim().split(/\s+/) : undefined;
}

/** `claims.id_token.acr` or `claims.userinfo.acr`: its `value` and `values`; the provider has validated the JSON. */
function claimedAcrsOf(claims: unknown): string[] | undefined {
  if (typeof claims !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(claims);
  } catch {
    return undefined;
  }
  const requests = ['id_token', 'userinfo'].map((target) => (parsed as Record<string, Record<string, unknown> | undefined>)?.[target]?.acr);
  const values = requests.flatMap((request) => {
    if (request === null || typeof request !== 'object') return [];
    const { value, values } = request as { value?: unknown; values?: unknown };
    return [...(typeof value === 'string' ? [value] : []), ...(Array.isArray(values) ? values.filter((v): v is string => typeof v === 'string') : [])];
  });
  return values.length > 0 ? values : undefined;
}

/**
 * The provider's interaction policy with one more login check. The provider itself sends an
 * existing session back to the login prompt only for an *essential* `acr` it lacks; a session
 * of one factor asked for the MFA class with `acr_values` (voluntary, per OIDC) would be reused
 * silently, and the relying party would get `…:1fa`. Here it is sent to sign in again, which
 * asks for the second factor (routes/interactions/second-factor-gate.ts). Not once the
 * interaction has a login result: that sign-in has just happened.
 */
export function signInPolicy() {
  const policy = interactionPolicy.base();
  policy.get('login')!.checks.add(
    new interactionPolicy.Check('acr_mfa', 'multi-factor authentication is required', (ctx: KoaContextWithOIDC) => {
      const { oidc } = ctx;
      if (!oidc.session?.accountId || oidc.result?.login) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      if (!mfaDemanded(oidc.params as Record<string, unknown>)) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      return oidc.acr === ACR.multiFactor ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT;
    }),
  );
  return policy;
}
