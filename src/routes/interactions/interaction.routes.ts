import type { FastifyInstance } from 'fastify';
import { messagePage } from '../../oidc/pages/message.ts';
import { acceptForms } from '../form-body.ts';
import { abortInteraction } from './abort.ts';
import { decideConsent } from './consent.ts';
import { requireCsrf } from './csrf.ts';
import { loadInteraction, requirePrompt } from './load.ts';
import { checkPassword } from './password.ts';
import { openMagicLink, sendMagicLink, showMagicLinkForm } from './magic-link.ts';
import { showPrompt } from './prompt.ts';
import { InteractionRefused, sendPage } from './respond.ts';
import { t } from '../../oidc/pages/i18n/translate.ts';
import { checkSecondFactor, confirmEnrolment, finishEnrolment } from './second-factor.ts';
import {
  abortSchema,
  consentSchema,
  enrolmentDoneSchema,
  enrolmentSchema,
  interactionPageSchema,
  loginSchema,
  magicLinkPageSchema,
  magicLinkSchema,
  magicLinkSignInSchema,
  secondFactorSchema,
} from './interaction.schemas.ts';
import { upstreamSteps } from './upstream.routes.ts';
import { passkeySteps } from './passkey.routes.ts';

/**
 * Login and consent pages for every tenant: `/t/<id>/interaction/<uid>`. Each route is a short
 * list of steps, one file each: load the interaction (load.ts), check the form's token (csrf.ts)
 * and that it answers the current prompt, then the step itself (password.ts, magic-link.ts,
 * second-factor.ts, consent.ts, abort.ts). A sign-in, however it was proved, ends in finishSignIn
 * (finish.ts), which asks for a second factor where one is needed (second-factor-gate.ts).
 */
export async function interactionRoutes(app: FastifyInstance): Promise<void> {
  await app.register(async (scope) => {
    acceptForms(scope);

    scope.setErrorHandler((error, _request, reply) => {
      if (error instanceof InteractionRefused) return sendPage(reply, error.status, messagePage(t('refusal.title'), t(error.key)));
      throw error;
    });

    scope.get('/t/:tenant/interaction/:uid', { schema: interactionPageSchema }, async (request, reply) => {
      const interaction = await loadInteraction(app, request, reply);
      return showPrompt(interaction);
    });

    scope.post('/t/:tenant/interaction/:uid/login', { schema: loginSchema }, async (request, reply) => {
      const interaction = await loadInteraction(app, request, reply);
      requireCsrf(interaction);
      requirePrompt(interaction, 'login', 'refusal.alreadySignedIn');
      return checkPassword(interaction);
    });

    scope.get('/t/:tenant/interaction/:uid/magic-link', { schema: magicLinkPageSchema }, async (request, reply) => {
      const interaction = await loadInteraction(app, request, reply);
      requirePrompt(interaction, 'login', 'refusal.alreadySignedIn');
      return showMagicLinkForm(interaction);
    });

    scope.post('/t/:tenant/interaction/:uid/magic-link', { schema: magicLinkSchema }, async (request, reply) => {
      const interaction = await loadInteraction(app, request, reply);
      requireCsrf(interaction);
      requirePrompt(interaction, 'login', 'refusal.alreadySignedIn');
      return sendMagicLink(interaction);
    });

    // The mailed link: it loads the interaction itself, as a link opened in another browser has none.
    scope.get('/t/:tenant/interaction/:uid/magic-link/sign-in', { schema: magicLinkSignInSchema }, async (request, reply) => openMagicLink(app, request, reply));

    const secondStep = [
      ['mfa', secondFactorSchema, checkSecondFactor],
      ['mfa/enrol', enrolmentSchema, confirmEnrolment],
      ['mfa/done', enrolmentDoneSchema, finishEnrolment],
    ] as const;
    for (const [path, schema, step] of secondStep) {
      scope.post(`/t/:tenant/interaction/:uid/${path}`, { schema }, async (request, reply) => {
        const interaction = await loadInteraction(app, request, reply);
        requireCsrf(interaction);
        requirePrompt(interaction, 'login', 'refusal.alreadySignedIn');
        return step(interaction);
      });
    }

    scope.post('/t/:tenant/interaction/:uid/consent', { schema: consentSchema }, async (request, reply) => {
      const interaction = await loadInteraction(app, request, reply);
      requireCsrf(interaction);
      requirePrompt(interaction, 'consent', 'refusal.nothingToAllow');
      return decideConsent(interaction);
    });

    scope.post('/t/:tenant/interaction/:uid/abort', { schema: abortSchema }, async (request, reply) => {
      const interaction = await loadInteraction(app, request, reply);
      requireCsrf(interaction);
      return abortInteraction(interaction);
    });

    upstreamSteps(app, scope);
    passkeySteps(app, scope);
  });
}
