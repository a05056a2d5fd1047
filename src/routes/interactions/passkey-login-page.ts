import { relyingPartyOf, type RelyingParty } from '../../modules/mfa/passkey-relying-party.ts';
import type { MfaSettings } from '../../modules/settings/mfa-policy.ts';
import { PASSKEY_PAGE_HEADERS, type PasskeySignInInput } from '../../oidc/pages/passkey-parts.ts';
import { passkeyScriptSrc } from '../passkeys/passkey-assets.ts';
import { csrfTokenOf } from './csrf.ts';
import type { LoadedInteraction } from './load.ts';

/** The relying party of this interaction's tenant: its issuer's host and origin (modules/mfa/passkey-relying-party.ts). */
export const relyingPartyFor = (interaction: LoadedInteraction): RelyingParty => relyingPartyOf(interaction.tenant.issuer, interaction.tenant.row.display_name);

/** The login page's passkey part and the headers that let its script run, or nothing under the policy `off`. */
export function loginPasskey(interaction: LoadedInteraction, mfa: MfaSettings, autofill: boolean): { input: PasskeySignInInput; headers: Readonly<Record<string, string>> } | undefined {
  if (mfa.policy === 'off') return undefined;
  return {
    input: {
      action: `${interaction.basePath}/passkey`,
      optionsAction: `${interaction.basePath}/passkey/options`,
      csrfToken: csrfTokenOf(interaction),
      autofill,
      src: passkeyScriptSrc(interaction.tenant.issuer),
    },
    headers: PASSKEY_PAGE_HEADERS,
  };
}

