import { AppError } from '../../errors.ts';
import { passkeySignInOptions, verifyPasskey } from '../../modules/mfa/passkeys.service.ts';
import { readTenantSettings } from '../../modules/settings/settings.service.ts';
import { passkeySignIn } from '../../oidc/sign-in.ts';
import { finishSignIn } from './finish.ts';
import type { LoadedInteraction } from './load.ts';
import { showLoginError } from './password.ts';
import { t, type MessageKey } from '../../oidc/pages/i18n/translate.ts';
import { relyingPartyFor } from './passkey-login-page.ts';

/**
 * A passwordless sign-in with a passkey (modules/mfa/passkeys.service.ts), from the login page:
 * its button, or the browser's own suggestions in the email field (conditional UI). The page's
 * script asks `…/passkey/options` for a challenge (JSON), bound to this interaction, runs the
 * ceremony and posts the answer to `…/passkey`, a form post like the password's. A passkey with
 * user verification is both factors: the sign-in ends with `["hwk"|"swk", "mfa"]` and no second
 * step. Offered wherever the tenant offers second factors (policy not `off`).
 */
const notOffered = () => new AppError('passkeys_not_offered', 'this tenant does not offer passkeys', 409);

/** `…/passkey/options`: a fresh challenge for this interaction, as JSON for the page's script. */
export async function passkeyOptions(interaction: LoadedInteraction) {
  const { mfa } = await readTenantSettings(interaction.tenant.scope);
  if (mfa.policy === 'off') throw notOffered();
  const options = await passkeySignInOptions(interaction.tenant.scope, { rp: relyingPartyFor(interaction), binding: interaction.details.uid });
  return interaction.reply.header('cache-control', 'no-store').send({ options });
}

const REFUSALS: Readonly<Record<string, MessageKey>> = {
  unknown_credential: 'passkey.refused.unknownCredential',
  counter_regression: 'passkey.refused.counterRegression',
  account_unavailable: 'passkey.refused.accountUnavailable',
  not_verified: 'passkey.refused.notVerified',
};

/** `…/passkey`: the browser's answer. Right: signed in, both factors. Wrong: the login page saying why. */
export async function signInWithPasskey(interaction: LoadedInteraction) {
  const { mfa } = await readTenantSettings(interaction.tenant.scope);
  if (mfa.policy === 'off') return showLoginError(interaction, 409, t('passkey.notOffered'));
  const { request, tenant } = interaction;
  const result = await verifyPasskey(tenant.scope, {
    rp: relyingPartyFor(interaction),
    purpose: 'sign_in',
    binding: interaction.details.uid,
    userId: null,
    response: (request.body as { response?: unknown } | undefined)?.response,
    ip: request.ip,
  });
  if (!result.ok) {
    request.log.info({ reason: result.reason, detail: result.message }, 'passkey sign-in refused');
    return showLoginError(interaction, result.reason === 'account_unavailable' ? 403 : 401, t(REFUSALS[result.reason]!));
  }
  await finishSignIn(interaction, passkeySignIn(result.userId, result.method));
}
