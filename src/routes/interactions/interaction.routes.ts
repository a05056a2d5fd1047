import type { FastifyInstance } from 'fastify';
import { messagePage } from '../../oidc/pages/message.ts';
import { acceptForms } from '../form-body.ts';
import { abortInteraction } from './abort.ts';
import { decideConsent } from './consent.ts';
import { requireCsrf } from './csrf.ts';
import { loadInteraction, requirePrompt } from './load.ts';
import { checkPassword } from './password.ts';
import { showPrompt } from './prompt.ts';
import { InteractionRefused, sendPage } from './respond.ts';
import { abortSchema, consentSchema, interactionPageSchema, loginSchema } from './interaction.schemas.ts';
import { upstreamSteps } from './upstream.routes.ts';

/**
 * Login and consent pages for every tenant: `/t/<id>/interaction/<uid>`. Each route is a short
 * list of steps, one file each: load the interaction (load.ts), check the form's token (csrf.ts)
 * and that it answers the current prompt, then the step itself (password.ts, consent.ts,
 * abort.ts). A sign-in, however it was proved, ends in finishSignIn (finish.ts).
 */
export async function interactionRoutes(app: FastifyInstance): Promise<void> {
  await app.register(async (scope) => {
    acceptForms(scope);

    scope.setErrorHandler((error, _request, reply) => {
      if (error instanceof InteractionRefused) return sendPage(reply, error.status, messagePage('This sign-in cannot continue', error.message));
      throw error;
    });

    scope.get('/t/:tenant/interaction/:uid', { schema: interactionPageSchema }, async (request, reply) => {
      const interaction = await loadInteraction(app, request, reply);
      return showPrompt(interaction);
    });

    scope.post('/t/:tenant/interaction/:uid/login', { schema: loginSchema }, async (request, reply) => {
      const interaction = await loadInteraction(app, request, reply);
      requireCsrf(interaction);
      requirePrompt(interaction, 'login', 'You are already signed in for this request.');
      return checkPassword(interaction);
    });

    scope.post('/t/:tenant/interaction/:uid/consent', { schema: consentSchema }, async (request, reply) => {
      const interaction = await loadInteraction(app, request, reply);
      requireCsrf(interaction);
      requirePrompt(interaction, 'consent', 'There is nothing to allow for this request.');
      return decideConsent(interaction);
    });

    scope.post('/t/:tenant/interaction/:uid/abort', { schema: abortSchema }, async (request, reply) => {
      const interaction = await loadInteraction(app, request, reply);
      requireCsrf(interaction);
      return abortInteraction(interaction);
    });

    upstreamSteps(app, scope);
  });
}
