import type { InteractionResults } from 'oidc-provider';
import { acrOf, sessionAmr, type SignIn } from '../../oidc/sign-in.ts';
import type { LoadedInteraction } from './load.ts';
import { askForSecondFactor } from './second-factor-gate.ts';

/**
 * Hands the result to the provider, which redirects the browser back into the authorization flow.
 * `merge` keeps what earlier steps submitted (the login, when consent follows it).
 */
export async function finishInteraction(interaction: LoadedInteraction, result: InteractionResults, merge: boolean): Promise<void> {
  interaction.reply.hijack();
  await interaction.tenant.provider.interactionFinished(interaction.request.raw, interaction.reply.raw, result, { mergeWithLastSubmission: merge });
}

/**
 * The one way a first factor ends a login prompt, whatever proved the person: the password form
 * and magic links today; upstream login and passkeys are to end here too, each with its own SignIn
 * (oidc/sign-in.ts). Where the account needs a second factor (its own, the tenant's policy, or
 * the application's demand) this shows that step instead (second-factor-gate.ts), and the
 * sign-in completes once it is passed (second-factor.ts). Headers a step set on `reply.raw`
 * before (a device cookie) go out with whatever page or redirect follows.
 */
export async function finishSignIn(interaction: LoadedInteraction, signIn: SignIn): Promise<void> {
  const outcome = await askForSecondFactor(interaction, signIn);
  if (outcome === 'asked') return;
  if (outcome === 'unavailable') {
    const error_description = 'the application requires a second factor, and this tenant does not offer one to this account';
    return finishInteraction(interaction, { error: 'access_denied', error_description }, false);
  }
  await completeSignIn(interaction, signIn);
}

/**
 * Signs the person in: the session, and every token issued from it, takes `amr` and `acr` from
 * here. Only for a sign-in that is whole: finishSignIn, or the second step that completes one.
 */
export async function completeSignIn(interaction: LoadedInteraction, signIn: SignIn): Promise<void> {
  const { accountId, amr } = signIn;
  await finishInteraction(interaction, { login: { accountId, amr: sessionAmr(signIn), acr: signIn.acr ?? acrOf(amr) } }, false);
}
