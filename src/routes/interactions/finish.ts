import type { InteractionResults } from 'oidc-provider';
import { sessionAmr, type SignIn } from '../../oidc/sign-in.ts';
import type { LoadedInteraction } from './load.ts';

/**
 * Hands the result to the provider, which redirects the browser back into the authorization flow.
 * `merge` keeps what earlier steps submitted (the login, when consent follows it).
 */
export async function finishInteraction(interaction: LoadedInteraction, result: InteractionResults, merge: boolean): Promise<void> {
  interaction.reply.hijack();
  await interaction.tenant.provider.interactionFinished(interaction.request.raw, interaction.reply.raw, result, { mergeWithLastSubmission: merge });
}

/**
 * The one way a login prompt ends in a signed-in session, whatever proved the person: the
 * password form today; upstream login, MFA, magic links and passkeys are to end here too, each
 * with its own SignIn (oidc/sign-in.ts). The session, and every token issued from it, takes
 * `amr` and `acr` from here. Headers a step set on `reply.raw` before (a device cookie) go out
 * with the provider's redirect.
 */
export async function finishSignIn(interaction: LoadedInteraction, signIn: SignIn): Promise<void> {
  const { accountId, acr } = signIn;
  await finishInteraction(interaction, { login: { accountId, amr: sessionAmr(signIn), acr } }, false);
}
