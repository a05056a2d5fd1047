import { mfaDemanded } from '../../oidc/acr.ts';
import type { SignIn } from '../../oidc/sign-in.ts';
import { qrCodeSvg } from '../../oidc/pages/qr-code.ts';
import { secondFactorPage } from '../../oidc/pages/second-factor.ts';
import { recoveryCodesPage, totpEnrolmentPage } from '../../oidc/pages/totp-enrolment.ts';
import { secondFactorContext, type SecondFactorContext } from '../../modules/mfa/second-factor.service.ts';
import { secondFactorStep } from '../../modules/mfa/second-factor-policy.ts';
import { pendingTotpEnrolment, startTotpEnrolment, type TotpEnrolment } from '../../modules/mfa/enrolment.service.ts';
import { rememberCookieName, rememberKeyFor, remembersBrowser } from '../../modules/mfa/remember-browser.ts';
import { csrfTokenOf } from './csrf.ts';
import { clientOf, displayNameOf, type LoadedInteraction } from './load.ts';
import { sendPage } from './respond.ts';
import { savePendingSecondFactor, type PendingSecondFactor } from './second-factor-state.ts';
import { readTenantSettings } from '../../modules/settings/settings.service.ts';
import { hasPasskey } from '../../modules/mfa/passkeys.repository.ts';
import { passkeySecondFactorOptions } from '../../modules/mfa/passkeys.service.ts';
import { PASSKEY_PAGE_HEADERS, type PasskeySecondFactorInput } from '../../oidc/pages/passkey-parts.ts';
import { passkeyScriptSrc } from '../passkeys/passkey-assets.ts';
import { relyingPartyFor } from './passkey-login-page.ts';
import { pendingSecondFactor } from './second-factor-state.ts';
import { t } from '../../oidc/pages/i18n/translate.ts';

/**
 * The second step of a sign-in (modules/mfa/): after any first factor, finishSignIn (finish.ts)
 * asks here whether the account needs a second one, and if so this shows the page that asks for
 * it (a code, or setting up an app) and keeps the first factor in the interaction
 * (second-factor-state.ts) until second-factor.ts accepts the code.
 */
export type SecondFactorOutcome = 'asked' | 'not_needed' | 'unavailable';

const REASON_REQUIRED = 'Your organisation requires a second step when you sign in.';
const REASON_DEMANDED = 'The application you are signing in to requires a second step when you sign in.';

/** The first factor passed: show the second step if the account needs one. */
export async function askForSecondFactor(interaction: LoadedInteraction, signIn: SignIn): Promise<SecondFactorOutcome> {
  if (signIn.amr.includes('mfa')) return 'not_needed';
  const context = await secondFactorContext(interaction.tenant.scope, signIn.accountId);
  // A vanished or disabled account: the provider's findAccount refuses it on the way back.
  if (!context) return 'not_needed';
  const demanded = mfaDemanded(interaction.details.params as Record<string, unknown>);
  const step = secondFactorStep(context.mfa, {
    hasFactor: context.factorIds.length > 0,
    isTenantAdmin: context.isTenantAdmin,
    demanded,
    remembered: context.factorIds.length > 0 && rememberedBrowser(interaction, context),
  });
  if (step === 'none' || step === 'unavailable') return step === 'none' ? 'not_needed' : 'unavailable';
  const since = Math.floor(Date.now() / 1000);
  if (step === 'verify') {
    await savePendingSecondFactor(interaction, { signIn, since, step: 'verify' });
    await showCodePage(interaction, 200);
    return 'asked';
  }
  const enrolment = await startTotpEnrolment(interaction.tenant.scope, enrolmentInput(interaction, context.user));
  const reason = demanded && context.mfa.policy !== 'required' && !context.isTenantAdmin ? REASON_DEMANDED : REASON_REQUIRED;
  const state: PendingSecondFactor = { signIn, since, step: 'enrol', factorId: enrolment.factorId, reason };
  await savePendingSecondFactor(interaction, state);
  await showEnrolmentPage(interaction, state, enrolment, 200);
  return 'asked';
}

function rememberedBrowser(interaction: LoadedInteraction, context: SecondFactorContext): boolean {
  const { app, request, tenant } = interaction;
  return remembersBrowser(rememberKeyFor(app.platform.config, tenant.id), request.cookies[rememberCookieName(tenant.id)], {
    userId: context.user.id,
    basis: { factorIds: context.factorIds, passwordHash: context.user.password_hash },
    days: context.mfa.rememberBrowserDays,
  });
}

function enrolmentInput(interaction: LoadedInteraction, user: { id: string; email: string }) {
  return { userId: user.id, issuerName: interaction.tenant.row.display_name, accountName: user.email };
}

/** The page for where a pending second step stands (a reload, or the interaction's address again). */
export async function showPendingSecondFactor(interaction: LoadedInteraction, state: PendingSecondFactor) {
  if (state.step === 'verify') return showCodePage(interaction, 200);
  if (state.step === 'enrolled') return showRecoveryCodes(interaction, undefined);
  const context = await secondFactorContext(interaction.tenant.scope, state.signIn.accountId);
  const enrolment = context && (await pendingTotpEnrolment(interaction.tenant.scope, { ...enrolmentInput(interaction, context.user), factorId: state.factorId! }));
  return enrolment ? showEnrolmentPage(interaction, state, enrolment, 200) : undefined;
}

/**
 * The account's passkeys as an answer to the second step: options with a fresh challenge for
 * this interaction and this account, in the page (second-factor.ts checks the answer).
 */
async function passkeyPart(interaction: LoadedInteraction): Promise<PasskeySecondFactorInput | undefined> {
  const userId = pendingSecondFactor(interaction)?.signIn.accountId;
  if (!userId || !(await hasPasskey(interaction.tenant.scope.db, userId))) return undefined;
  const options = await passkeySecondFactorOptions(interaction.tenant.scope, { rp: relyingPartyFor(interaction), binding: interaction.details.uid, userId });
  return { action: `${interaction.basePath}/mfa/passkey`, csrfToken: csrfTokenOf(interaction), options, src: passkeyScriptSrc(interaction.tenant.issuer) };
}

export async function showCodePage(interaction: LoadedInteraction, status: number, error?: string) {
  const { tenant } = interaction;
  const [{ mfa }, passkey] = await Promise.all([readTenantSettings(tenant.scope), passkeyPart(interaction)]);
  return sendPage(
    interaction.reply,
    status,
    secondFactorPage({
      tenantName: tenant.row.display_name,
      clientName: displayNameOf(interaction, await clientOf(interaction)),
      action: `${interaction.basePath}/mfa`,
      abortAction: `${interaction.basePath}/abort`,
      csrfToken: csrfTokenOf(interaction),
      error,
      rememberDays: mfa.rememberBrowserDays,
      passkey,
    }),
    passkey ? PASSKEY_PAGE_HEADERS : undefined,
  );
}

export async function showEnrolmentPage(interaction: LoadedInteraction, state: PendingSecondFactor, enrolment: TotpEnrolment, status: number, error?: string) {
  const { tenant } = interaction;
  return sendPage(
    interaction.reply,
    status,
    totpEnrolmentPage({
      tenantName: tenant.row.display_name,
      action: `${interaction.basePath}/mfa/enrol`,
      abortAction: `${interaction.basePath}/abort`,
      csrfToken: csrfTokenOf(interaction),
      qrSvg: await qrCodeSvg(enrolment.uri, t('totp.qrAlt')),
      secret: enrolment.secret,
      // The state keeps the English sentence (it names which reason); the page says it in the request's language.
      reason: t(state.reason === REASON_DEMANDED ? 'secondFactor.reasonDemanded' : 'secondFactor.reasonRequired'),
      error,
    }),
  );
}

export function showRecoveryCodes(interaction: LoadedInteraction, codes: string[] | undefined) {
  return sendPage(
    interaction.reply,
    200,
    recoveryCodesPage({ tenantName: interaction.tenant.row.display_name, action: `${interaction.basePath}/mfa/done`, csrfToken: csrfTokenOf(interaction), codes }),
  );
}
