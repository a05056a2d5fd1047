import { confirmTotpEnrolment, pendingTotpEnrolment, regenerateRecoveryCodes, startTotpEnrolment, type TotpEnrolment } from '../../../modules/mfa/enrolment.service.ts';
import { listUserFactors } from '../../../modules/mfa/factors.service.ts';
import { removeOwnFactor, renameOwnFactor } from '../../../modules/mfa/factor-removal.service.ts';
import { readTenantSettings } from '../../../modules/settings/settings.service.ts';
import { requireCurrentPassword } from '../../../modules/users/current-password.ts';
import { passwordField, twoFactorCodes, twoFactorOverview, twoFactorSetup } from '../../../oidc/pages/account-two-factor.ts';
import { PASSKEY_PAGE_HEADERS, passkeyRegistration } from '../../../oidc/pages/passkey-parts.ts';
import { passkeyRegistrationOptions, registerPasskey } from '../../../modules/mfa/passkeys.service.ts';
import { relyingPartyOf } from '../../../modules/mfa/passkey-relying-party.ts';
import { AppError } from '../../../errors.ts';
import { passkeyScriptSrc } from '../../passkeys/passkey-assets.ts';
import { qrCodeSvg } from '../../../oidc/pages/qr-code.ts';
import { t } from '../../../oidc/pages/i18n/translate.ts';
import { formProblemOf } from '../account-page.ts';
import type { AccountSection } from './account-section.ts';
import { loadSignedIn, showSection, signedInRecently, type SignedInPage } from './signed-in.ts';
import { passkeyAddSchema, passkeyPageSchema, passkeyRegistrationOptionsSchema } from './manage.schemas.ts';
import { recoveryCodesSchema, twoFactorConfirmSchema, twoFactorPageSchema, twoFactorRemoveSchema, twoFactorRenameSchema, twoFactorSetupSchema } from './manage.schemas.ts';

const PATH = 'two-factor';
const TITLE = 'account.section.twoFactor';
const PROOF_REFUSALS = ['invalid_password', 'throttled'];

async function showOverview(page: SignedInPage, status: number, extra: { notice?: string; error?: string } = {}) {
  const [{ factors, recovery_codes_left }, offered] = await Promise.all([listUserFactors(page.tenant.scope, page.user.id), factorsOffered(page)]);
  return showSection(page, status, {
    title: t(TITLE),
    ...extra,
    body: twoFactorOverview({
      setupAction: `${page.home}/${PATH}/setup`,
      passkeyHref: `${page.home}/${PATH}/passkey`,
      removeAction: `${page.home}/${PATH}/remove`,
      renameAction: `${page.home}/${PATH}/rename`,
      recoveryCodesAction: `${page.home}/${PATH}/recovery-codes`,
      csrfToken: page.csrfToken,
      recentSignIn: signedInRecently(page),
      signInAgainHref: `${page.home}/sign-in?section=${PATH}&fresh=1`,
      // An enrolment waiting for its first code is no factor yet.
      factors: factors
        .filter((factor) => factor.confirmed_at !== null)
        .map((factor) => ({ id: factor.id, kind: factor.kind, label: factor.label, addedAt: factor.confirmed_at!, lastUsedAt: factor.last_used_at })),
      recoveryCodesLeft: recovery_codes_left,
      setupOffered: offered,
      error: extra.error,
    }),
  });
}

async function showSetup(page: SignedInPage, status: number, enrolment: TotpEnrolment, error?: string) {
  return showSection(page, status, {
    title: t('account.mfa.setUp'),
    error,
    body: twoFactorSetup({
      confirmAction: `${page.home}/${PATH}/confirm`,
      cancelHref: `${page.home}/${PATH}`,
      csrfToken: page.csrfToken,
      factorId: enrolment.factorId,
      qrSvg: await qrCodeSvg(enrolment.uri, t('totp.qrAlt')),
      secret: enrolment.secret,
      error,
    }),
  });
}

/** The page that adds a passkey: the only section page with a script (passkey-parts.ts). */
function showPasskeyPage(page: SignedInPage, status: number, error?: string) {
  const proof = { recentSignIn: signedInRecently(page), signInAgainHref: `${page.home}/sign-in?section=${PATH}&fresh=1` };
  return showSection(page, status, {
    title: t('passkey.add'),
    error,
    headers: PASSKEY_PAGE_HEADERS,
    body: passkeyRegistration({
      action: `${page.home}/${PATH}/passkey`,
      optionsAction: `${page.home}/${PATH}/passkey/options`,
      csrfToken: page.csrfToken,
      cancelHref: `${page.home}/${PATH}`,
      proofField: passwordField('passkey-password', proof, error),
      src: passkeyScriptSrc(page.tenant.issuer),
    }),
  });
}

const relyingParty = (page: SignedInPage) => relyingPartyOf(page.tenant.issuer, page.tenant.row.display_name);

const showCodes = (page: SignedInPage, title: string, codes: readonly string[]) =>
  showSection(page, 200, { title, body: twoFactorCodes(codes, `${page.home}/${PATH}`) });

/** Under the policy `off` no new factor is set up (as at sign-in); one the account has can still go. */
const factorsOffered = async (page: SignedInPage) => (await readTenantSettings(page.tenant.scope)).mfa.policy !== 'off';

const enrolmentInput = (page: SignedInPage) => ({ userId: page.user.id, issuerName: page.tenant.row.display_name, accountName: page.user.email });

/**
 * Proving it is the person before a factor or the recovery codes change: the current password
 * (through the sign-in's limits), or a sign-in of the last minutes, as for a new address. A
 * password typed is always checked.
 */
async function proveItIsThem(page: SignedInPage, password: string | undefined): Promise<void> {
  if ((password ?? '') === '' && signedInRecently(page)) return;
  await requireCurrentPassword(page.tenant.scope, { user: page.user, password, loginKeys: page.loginKeys, ip: page.request.ip });
}

/**
 * The account's second factors (modules/mfa/, with the user as actor, audited): set up an
 * authenticator app as the sign-in does (QR code, key, confirming code; a first factor brings
 * ten recovery codes, shown once), rename or remove one, or replace the recovery codes. Removing and new
 * codes need the password or a recent sign-in; the last factor stays where the tenant requires one.
 */
export const twoFactorSection: AccountSection = {
  path: PATH,
  label: TITLE,
  register(scope, site) {
    scope.get(`/t/:tenant/account/${PATH}`, { schema: twoFactorPageSchema }, async (request, reply) => {
      const page = await loadSignedIn(site, request, reply, PATH, { form: false });
      return page ? showOverview(page, 200) : reply;
    });

    scope.post(`/t/:tenant/account/${PATH}/setup`, { schema: twoFactorSetupSchema }, async (request, reply) => {
      const page = await loadSignedIn(site, request, reply, PATH, { form: true });
      if (!page) return reply;
      if (!(await factorsOffered(page))) return showOverview(page, 409, { error: t('account.mfa.notOfferedBy', { tenant: page.tenant.row.display_name }) });
      // A new factor, like removing one, needs the password or a recent sign-in: else a
      // borrowed session could add the borrower's app and keep the account.
      try {
        await proveItIsThem(page, (request.body as { current_password?: string } | undefined)?.current_password);
      } catch (error) {
        const problem = formProblemOf(page, error, PROOF_REFUSALS);
        return showOverview(page, problem.status, { error: problem.message });
      }
      return showSetup(page, 200, await startTotpEnrolment(page.tenant.scope, enrolmentInput(page)));
    });

    scope.get(`/t/:tenant/account/${PATH}/passkey`, { schema: passkeyPageSchema }, async (request, reply) => {
      const page = await loadSignedIn(site, request, reply, PATH, { form: false });
      if (!page) return reply;
      if (!(await factorsOffered(page))) return showOverview(page, 409, { error: t('account.mfa.notOfferedBy', { tenant: page.tenant.row.display_name }) });
      return showPasskeyPage(page, 200);
    });

    // The page script's request for a challenge (JSON): the proof is checked here, before the
    // browser's dialog; the challenge is bound to this account session and user, for 5 minutes.
    scope.post(`/t/:tenant/account/${PATH}/passkey/options`, { schema: passkeyRegistrationOptionsSchema }, async (request, reply) => {
      const page = await loadSignedIn(site, request, reply, PATH, { form: true });
      if (!page) return reply;
      if (!(await factorsOffered(page))) throw new AppError('passkeys_not_offered', `${page.tenant.row.display_name} does not offer second factors`, 409);
      await proveItIsThem(page, (request.body as { current_password?: string } | undefined)?.current_password);
      const options = await passkeyRegistrationOptions(page.tenant.scope, {
        rp: relyingParty(page),
        user: { id: page.user.id, email: page.user.email, name: page.user.name },
        binding: page.session.sessionId,
      });
      return reply.header('cache-control', 'no-store').send({ options });
    });

    scope.post(`/t/:tenant/account/${PATH}/passkey`, { schema: passkeyAddSchema }, async (request, reply) => {
      const page = await loadSignedIn(site, request, reply, PATH, { form: true });
      if (!page) return reply;
      const { label, response } = (request.body ?? {}) as { label?: string; response?: string };
      if (!(await factorsOffered(page))) return showOverview(page, 409, { error: t('account.mfa.notOfferedBy', { tenant: page.tenant.row.display_name }) });
      if (!response) return showPasskeyPage(page, 400, t('passkey.unsupported'));
      let added;
      try {
        added = await registerPasskey(page.tenant.scope, { rp: relyingParty(page), userId: page.user.id, binding: page.session.sessionId, label, response }, page.actor);
      } catch (error) {
        const problem = formProblemOf(page, error, ['passkey_refused', 'passkey_exists', 'invalid_label']);
        return showPasskeyPage(page, problem.status, problem.status === 409 ? t('passkey.alreadyAdded') : t('passkey.notAdded'));
      }
      if (added.recoveryCodes) return showCodes(page, t('passkey.addedTitle'), added.recoveryCodes);
      return showOverview(page, 200, { notice: t('passkey.added') });
    });

    scope.post(`/t/:tenant/account/${PATH}/confirm`, { schema: twoFactorConfirmSchema }, async (request, reply) => {
      const page = await loadSignedIn(site, request, reply, PATH, { form: true });
      if (!page) return reply;
      const { factor, code } = (request.body ?? {}) as { factor?: string; code?: string };
      const result = factor ? await confirmTotpEnrolment(page.tenant.scope, { userId: page.user.id, factorId: factor, code: code ?? '' }, page.actor) : undefined;
      if (result?.ok) {
        if (result.recoveryCodes) return showCodes(page, t('account.mfa.appSetUpTitle'), result.recoveryCodes);
        return showOverview(page, 200, { notice: t('account.mfa.appSetUp') });
      }
      const pending = factor && (await pendingTotpEnrolment(page.tenant.scope, { ...enrolmentInput(page), factorId: factor }));
      if (!pending) return showOverview(page, 400, { error: t('account.mfa.setupGone') });
      return showSetup(page, 400, pending, t('account.mfa.wrongCode'));
    });

    scope.post(`/t/:tenant/account/${PATH}/remove`, { schema: twoFactorRemoveSchema }, async (request, reply) => {
      const page = await loadSignedIn(site, request, reply, PATH, { form: true });
      if (!page) return reply;
      const { factor, current_password } = (request.body ?? {}) as { factor?: string; current_password?: string };
      try {
        await proveItIsThem(page, current_password);
        if (!factor) return showOverview(page, 400, { error: t('account.mfa.chooseToRemove') });
        await removeOwnFactor(page.tenant.scope, { userId: page.user.id, factorId: factor }, page.actor);
      } catch (error) {
        const problem = formProblemOf(page, error, [...PROOF_REFUSALS, 'factor_not_found', 'factor_required']);
        const message = problem.status === 404 ? t('account.mfa.alreadyRemoved') : problem.message;
        return showOverview(page, problem.status, { error: message });
      }
      return showOverview(page, 200, { notice: t('account.mfa.removed') });
    });

    scope.post(`/t/:tenant/account/${PATH}/rename`, { schema: twoFactorRenameSchema }, async (request, reply) => {
      const page = await loadSignedIn(site, request, reply, PATH, { form: true });
      if (!page) return reply;
      const { factor, label } = (request.body ?? {}) as { factor?: string; label?: string };
      try {
        if (!factor) return showOverview(page, 400, { error: t('account.mfa.chooseToRename') });
        await renameOwnFactor(page.tenant.scope, { userId: page.user.id, factorId: factor, label }, page.actor);
      } catch (error) {
        const problem = formProblemOf(page, error, ['invalid_label', 'factor_not_found']);
        return showOverview(page, problem.status, { error: problem.status === 404 ? t('account.mfa.alreadyRemoved') : problem.message });
      }
      return showOverview(page, 200, { notice: t('account.mfa.renamed') });
    });

    scope.post(`/t/:tenant/account/${PATH}/recovery-codes`, { schema: recoveryCodesSchema }, async (request, reply) => {
      const page = await loadSignedIn(site, request, reply, PATH, { form: true });
      if (!page) return reply;
      const { current_password } = (request.body ?? {}) as { current_password?: string };
      let codes: string[];
      try {
        await proveItIsThem(page, current_password);
        codes = await regenerateRecoveryCodes(page.tenant.scope, { userId: page.user.id }, page.actor);
      } catch (error) {
        const problem = formProblemOf(page, error, [...PROOF_REFUSALS, 'no_second_factor']);
        return showOverview(page, problem.status, { error: problem.message });
      }
      return showCodes(page, t('account.mfa.newCodes'), codes);
    });
  },
};
