import { verifySecondFactor, secondFactorContext } from '../../modules/mfa/second-factor.service.ts';
import { confirmTotpEnrolment, pendingTotpEnrolment } from '../../modules/mfa/enrolment.service.ts';
import { issueRememberCookie, rememberCookieName, rememberKeyFor } from '../../modules/mfa/remember-browser.ts';
import { loginKeysFor } from '../../modules/users/login-keys.ts';
import { withSecondFactor } from '../../oidc/sign-in.ts';
import { completeSignIn } from './finish.ts';
import type { LoadedInteraction } from './load.ts';
import { InteractionRefused } from './respond.ts';
import { pendingSecondFactor, savePendingSecondFactor, type PendingSecondFactor } from './second-factor-state.ts';
import { issuerPath } from '../../platform/issuer.ts';
import { showCodePage, showEnrolmentPage, showRecoveryCodes } from './second-factor-gate.ts';
import { verifyPasskey } from '../../modules/mfa/passkeys.service.ts';
import { relyingPartyFor } from './passkey-login-page.ts';
import { t } from '../../oidc/pages/i18n/translate.ts';

interface CodeForm {
  code?: string;
  remember?: string;
}

const INVALID_CODE = 'secondFactor.invalidCode';

/** The second step the form answers, or a page saying the sign-in must start over. */
function requirePending(interaction: LoadedInteraction, step: PendingSecondFactor['step']): PendingSecondFactor {
  const state = pendingSecondFactor(interaction);
  if (!state) throw new InteractionRefused(400, 'refusal.firstStepMissing');
  if (state.step !== step) throw new InteractionRefused(400, 'refusal.stepDone');
  return state;
}

/**
 * The code form's post: a code from the app or a recovery code (verifySecondFactor: throttled,
 * each code used up by the check that accepts it). Right: the sign-in finishes with `otp` and
 * `mfa` added to the first factor's methods, and the browser is remembered if asked and allowed.
 */
export async function checkSecondFactor(interaction: LoadedInteraction) {
  const state = requirePending(interaction, 'verify');
  const { app, request, reply, tenant } = interaction;
  const form = (request.body ?? {}) as CodeForm;
  const context = await secondFactorContext(tenant.scope, state.signIn.accountId);
  if (!context) throw new InteractionRefused(403, 'refusal.accountUnavailable');
  const result = await verifySecondFactor(tenant.scope, loginKeysFor(app.platform.config, tenant.id), {
    user: context.user,
    code: (form.code ?? '').slice(0, 100),
    ip: request.ip,
  });
  if (!result.ok) {
    if (result.reason === 'throttled') {
      const minutes = Math.ceil(result.retryAfterSeconds / 60);
      reply.header('retry-after', String(result.retryAfterSeconds));
      return showCodePage(interaction, 429, t(minutes === 1 ? 'secondFactor.tooManyCodes.one' : 'secondFactor.tooManyCodes.other', { count: minutes }));
    }
    return showCodePage(interaction, 401, t(INVALID_CODE));
  }
  const days = context.mfa.rememberBrowserDays;
  if (form.remember === 'yes' && days > 0) {
    const cookie = issueRememberCookie(rememberKeyFor(app.platform.config, tenant.id), context.user.id, {
      factorIds: context.factorIds,
      passwordHash: context.user.password_hash,
    });
    // On the raw response: completeSignIn hands it to the provider, which keeps headers already set.
    reply.raw.appendHeader(
      'set-cookie',
      app.serializeCookie(rememberCookieName(tenant.id), cookie, {
        path: `${issuerPath(tenant.issuer)}/interaction/`,
        maxAge: days * 24 * 60 * 60,
        httpOnly: true,
        sameSite: 'lax',
        secure: request.protocol === 'https',
      }),
    );
  }
  await completeSignIn(interaction, withSecondFactor(state.signIn, 'otp'));
}

/**
 * The passkey button's post: the browser's answer to the challenge the code page carried, from
 * one of this account's passkeys. Right: the sign-in finishes with `hwk` or `swk` (as the
 * passkey is bound to its device or synced) and `mfa` added to the first factor's methods.
 */
export async function checkPasskeySecondFactor(interaction: LoadedInteraction) {
  const state = requirePending(interaction, 'verify');
  const { request, tenant } = interaction;
  const result = await verifyPasskey(tenant.scope, {
    rp: relyingPartyFor(interaction),
    purpose: 'second_factor',
    binding: interaction.details.uid,
    userId: state.signIn.accountId,
    response: (request.body as { response?: unknown } | undefined)?.response,
    ip: request.ip,
  });
  if (!result.ok) {
    request.log.info({ reason: result.reason, detail: result.message }, 'passkey second factor refused');
    const message =
      result.reason === 'counter_regression'
        ? t('secondFactor.passkeyCopied')
        : t('secondFactor.passkeyFailed');
    return showCodePage(interaction, 401, message);
  }
  await completeSignIn(interaction, withSecondFactor(state.signIn, result.method));
}

/** The enrolment form's post: a right code confirms the app, and the recovery codes are shown once. */
export async function confirmEnrolment(interaction: LoadedInteraction) {
  const state = requirePending(interaction, 'enrol');
  const { request, tenant } = interaction;
  const form = (request.body ?? {}) as CodeForm;
  const userId = state.signIn.accountId;
  const confirmed = await confirmTotpEnrolment(tenant.scope, { userId, factorId: state.factorId!, code: (form.code ?? '').slice(0, 100) }, { type: 'user', id: userId, ip: request.ip });
  if (!confirmed.ok) {
    const context = await secondFactorContext(tenant.scope, userId);
    const enrolment =
      context && (await pendingTotpEnrolment(tenant.scope, { userId, issuerName: tenant.row.display_name, accountName: context.user.email, factorId: state.factorId! }));
    if (!enrolment) throw new InteractionRefused(400, 'refusal.setupClosed');
    return showEnrolmentPage(interaction, state, enrolment, 401, t('totp.wrongCode'));
  }
  await savePendingSecondFactor(interaction, { ...state, step: 'enrolled' });
  return showRecoveryCodes(interaction, confirmed.recoveryCodes);
}

/**
 * On from the recovery codes into the application. The code that confirmed the new app counts
 * as the second factor of this sign-in: `otp` and `mfa`, as the tenant (or the application) asked.
 */
export async function finishEnrolment(interaction: LoadedInteraction) {
  const state = requirePending(interaction, 'enrolled');
  await completeSignIn(interaction, withSecondFactor(state.signIn, 'otp'));
}
