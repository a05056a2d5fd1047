import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.ts';
import { passkeyAssetRoutes } from '../passkeys/passkey-assets.ts';
import { requireCsrf } from './csrf.ts';
import { loadInteraction, requirePrompt, type LoadedInteraction } from './load.ts';
import { passkeyOptions, signInWithPasskey } from './passkey-login.ts';
import { InteractionRefused } from './respond.ts';
import { checkPasskeySecondFactor } from './second-factor.ts';
import { passkeyOptionsSchema, passkeySecondFactorSchema, passkeySignInSchema } from './interaction.schemas.ts';

/**
 * The passkey routes of a sign-in (passkey-login.ts, second-factor.ts) and the script they load
 * (routes/passkeys/passkey-assets.ts). The options route answers the page's script in JSON, so
 * a refusal there is `{error, error_description}`, never a page.
 */
export function passkeySteps(app: FastifyInstance, scope: FastifyInstance): void {
  passkeyAssetRoutes(app, scope);

  const loginStep = async (interaction: LoadedInteraction) => {
    requireCsrf(interaction);
    requirePrompt(interaction, 'login', 'refusal.alreadySignedIn');
  };

  scope.post('/t/:tenant/interaction/:uid/passkey/options', { schema: passkeyOptionsSchema }, async (request, reply) => {
    let interaction: LoadedInteraction;
    try {
      interaction = await loadInteraction(app, request, reply);
      await loginStep(interaction);
    } catch (error) {
      if (!(error instanceof InteractionRefused)) throw error;
      throw new AppError(error.status === 403 ? 'invalid_form' : 'invalid_interaction', error.message, error.status === 403 ? 403 : 400);
    }
    return passkeyOptions(interaction);
  });

  scope.post('/t/:tenant/interaction/:uid/passkey', { schema: passkeySignInSchema }, async (request, reply) => {
    const interaction = await loadInteraction(app, request, reply);
    await loginStep(interaction);
    return signInWithPasskey(interaction);
  });

  scope.post('/t/:tenant/interaction/:uid/mfa/passkey', { schema: passkeySecondFactorSchema }, async (request, reply) => {
    const interaction = await loadInteraction(app, request, reply);
    await loginStep(interaction);
    return checkPasskeySecondFactor(interaction);
  });
}
