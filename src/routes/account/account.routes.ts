import type { FastifyInstance } from 'fastify';
import { acceptForms } from '../form-body.ts';
import { loadAccountForm, loadAccountPage } from './account-page.ts';
import { showSignupPage, submitSignup } from './signup-page.ts';
import { showForgotPasswordPage, showResetPasswordPage, submitForgotPassword, submitResetPassword } from './password-reset-pages.ts';
import { manageAccountRoutes } from './manage/manage.routes.ts';
import { showResendVerificationPage, showVerifyEmailPage, submitResendVerification, submitVerifyEmail } from './verification-pages.ts';
import { showAcceptInvitationPage, submitAcceptInvitation } from './invitation-pages.ts';
import {
  acceptInvitationPageSchema,
  acceptInvitationSchema,
  forgotPasswordPageSchema,
  forgotPasswordSchema,
  resendVerificationPageSchema,
  resendVerificationSchema,
  resetPasswordPageSchema,
  resetPasswordSchema,
  signupPageSchema,
  signupSchema,
  verifyEmailPageSchema,
  verifyEmailSchema,
} from './account.schemas.ts';

/**
 * The hosted account pages of every tenant, with the login page's look and protections: signup,
 * "forgot password?" and the reset link's page, the verification link's page, and a new
 * verification link. Each GET sets the form cookie its page's form needs (form-token.ts); each
 * POST checks it first. Links from the login page carry `?interaction=<uid>`, which the forms
 * carry on, so the person can return into the sign-in they left. The account page of a signed-in
 * person, `/t/<id>/account`, is in manage/.
 */
export async function accountRoutes(app: FastifyInstance): Promise<void> {
  await app.register(async (scope) => {
    acceptForms(scope);

    scope.get('/t/:tenant/signup', { schema: signupPageSchema }, async (request, reply) => showSignupPage(await loadAccountPage(app, request, reply)));
    scope.post('/t/:tenant/signup', { schema: signupSchema }, async (request, reply) => submitSignup(await loadAccountForm(app, request, reply)));

    scope.get('/t/:tenant/forgot-password', { schema: forgotPasswordPageSchema }, async (request, reply) =>
      showForgotPasswordPage(await loadAccountPage(app, request, reply)),
    );
    scope.post('/t/:tenant/forgot-password', { schema: forgotPasswordSchema }, async (request, reply) =>
      submitForgotPassword(await loadAccountForm(app, request, reply)),
    );
    scope.get('/t/:tenant/reset-password', { schema: resetPasswordPageSchema }, async (request, reply) =>
      showResetPasswordPage(await loadAccountPage(app, request, reply)),
    );
    scope.post('/t/:tenant/reset-password', { schema: resetPasswordSchema }, async (request, reply) =>
      submitResetPassword(await loadAccountForm(app, request, reply)),
    );

    scope.get('/t/:tenant/verify-email', { schema: verifyEmailPageSchema }, async (request, reply) => showVerifyEmailPage(await loadAccountPage(app, request, reply)));
    scope.post('/t/:tenant/verify-email', { schema: verifyEmailSchema }, async (request, reply) => submitVerifyEmail(await loadAccountForm(app, request, reply)));
    scope.get('/t/:tenant/resend-verification', { schema: resendVerificationPageSchema }, async (request, reply) =>
      showResendVerificationPage(await loadAccountPage(app, request, reply)),
    );
    scope.post('/t/:tenant/resend-verification', { schema: resendVerificationSchema }, async (request, reply) =>
      submitResendVerification(await loadAccountForm(app, request, reply)),
    );

    scope.get('/t/:tenant/accept-invitation', { schema: acceptInvitationPageSchema }, async (request, reply) =>
      showAcceptInvitationPage(await loadAccountPage(app, request, reply)),
    );
    scope.post('/t/:tenant/accept-invitation', { schema: acceptInvitationSchema }, async (request, reply) =>
      submitAcceptInvitation(await loadAccountForm(app, request, reply)),
    );
    // The account page itself, for a signed-in person (manage/).
    manageAccountRoutes(scope, app);
  });
}
