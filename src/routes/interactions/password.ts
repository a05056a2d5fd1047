import { authenticatePassword } from '../../modules/users/authenticate.ts';
import { DEVICE_COOKIE_MAX_AGE_SECONDS, deviceCookieName } from '../../modules/users/device-cookie.ts';
import { loginKeysFor } from '../../modules/users/login-keys.ts';
import { passwordSignIn } from '../../oidc/sign-in.ts';
import { loginPage } from '../../oidc/pages/login.ts';
import { verificationRequiredPage } from '../../oidc/pages/verify-email.ts';
import { readTenantSettings } from '../../modules/settings/settings.service.ts';
import type { UserRow } from '../../modules/users/users.repository.ts';
import { formTokenFor } from '../account/form-token.ts';
import { csrfTokenOf } from './csrf.ts';
import { clientOf, displayNameOf, type LoadedInteraction } from './load.ts';
import { finishSignIn } from './finish.ts';
import { issuerPath } from '../../platform/issuer.ts';
import { sendPage } from './respond.ts';
import { connectionButtonsFor, homeRealmConnection, startConnection } from './upstream.ts';
import { loginPasskey } from './passkey-login-page.ts';
import { t } from '../../oidc/pages/i18n/translate.ts';

interface PasswordForm {
  email?: string;
  password?: string;
}

/** `/t/<id>` under the public URL (`` on the tenant's host): where the account pages are. */
const tenantPathOf = (interaction: LoadedInteraction) => issuerPath(interaction.tenant.issuer);

/** The login form, with links to the account pages that bring the person back to this sign-in; sent with its headers. */
async function sendLoginPage(interaction: LoadedInteraction, status: number, clientName: string, email: string | undefined, error?: string) {
  const { signup, magicLinks, mfa } = await readTenantSettings(interaction.tenant.scope);
  const back = `?interaction=${encodeURIComponent(interaction.details.uid)}`;
  const passkey = loginPasskey(interaction, mfa, error === undefined);
  const html = loginPage({
    tenantName: interaction.tenant.row.display_name,
    clientName,
    action: `${interaction.basePath}/login`,
    abortAction: `${interaction.basePath}/abort`,
    csrfToken: csrfTokenOf(interaction),
    email,
    error,
    forgotPasswordHref: `${tenantPathOf(interaction)}/forgot-password${back}`,
    signupHref: signup === 'disabled' ? undefined : `${tenantPathOf(interaction)}/signup${back}`,
    magicLinkHref: magicLinks ? `${interaction.basePath}/magic-link` : undefined,
    connections: await connectionButtonsFor(interaction),
    passkey: passkey?.input,
  });
  return sendPage(interaction.reply, status, html, passkey?.headers);
}

/** The login page again, saying why (a passkey that did not sign in: passkey-login.ts). */
export async function showLoginError(interaction: LoadedInteraction, status: number, error: string) {
  return sendLoginPage(interaction, status, displayNameOf(interaction, await clientOf(interaction)), undefined, error);
}

/** The login prompt's page: the password form, the email filled in from `login_hint`. */
export async function showLoginPage(interaction: LoadedInteraction, clientName: string) {
  const hint = (interaction.details.params as { login_hint?: string }).login_hint;
  return sendLoginPage(interaction, 200, clientName, typeof hint === 'string' ? hint : undefined);
}

/**
 * Whether the tenant wants a confirmed address before this account signs in. Read only for an
 * unconfirmed account, so a confirmed one's sign-in costs no extra query.
 */
async function needsConfirmedAddress(interaction: LoadedInteraction, user: UserRow): Promise<boolean> {
  return !user.email_verified && (await readTenantSettings(interaction.tenant.scope)).verifiedEmailRequired;
}

/** The right password of an unconfirmed account: no sign-in, a page that offers a new link instead. */
function showVerificationRequired(interaction: LoadedInteraction, user: UserRow) {
  const { app, request, reply, tenant } = interaction;
  const tenantPath = tenantPathOf(interaction);
  return sendPage(
    reply,
    403,
    verificationRequiredPage({
      tenantName: tenant.row.display_name,
      email: user.email,
      resendAction: `${tenantPath}/resend-verification`,
      csrfToken: formTokenFor(request, reply, { config: app.platform.config, tenantId: tenant.id, tenantPath }),
      interaction: interaction.details.uid,
      signInHref: interaction.basePath,
    }),
  );
}

/**
 * The password form's post. An address in a domain of an enabled connection goes to that
 * connection instead, password or not (home-realm discovery, upstream.ts). Passwords are checked here, with the shared throttling
 * (authenticatePassword); the provider only hears the outcome, through finishSignIn. Where the
 * tenant requires a confirmed address, an unconfirmed account's right password leads to a page
 * that offers a new confirmation link, not into the application.
 */
export async function checkPassword(interaction: LoadedInteraction) {
  const { app, request, reply, tenant } = interaction;
  const form = (request.body ?? {}) as PasswordForm;
  const email = (form.email ?? '').slice(0, 320);
  const realm = await homeRealmConnection(interaction, email);
  if (realm) return startConnection(interaction, realm, email);
  const keys = loginKeysFor(app.platform.config, tenant.id);
  const cookieName = deviceCookieName(tenant.id);
  const deviceCookie = request.cookies[cookieName];
  const outcome = await authenticatePassword(tenant.db, keys, { email, password: form.password ?? '', ip: request.ip, deviceCookie });
  if (!outcome.ok) {
    const clientName = displayNameOf(interaction, await clientOf(interaction));
    if (outcome.reason === 'throttled') {
      const minutes = Math.ceil(outcome.retryAfterSeconds / 60);
      reply.header('retry-after', String(outcome.retryAfterSeconds));
      return sendLoginPage(interaction, 429, clientName, email, t(minutes === 1 ? 'login.throttled.one' : 'login.throttled.other', { count: minutes }));
    }
    return sendLoginPage(interaction, 401, clientName, email, t('login.wrongPassword'));
  }
  if (await needsConfirmedAddress(interaction, outcome.user)) return showVerificationRequired(interaction, outcome.user);
  // On the raw response: finishSignIn hands it to the provider, which keeps headers already set.
  reply.raw.appendHeader(
    'set-cookie',
    app.serializeCookie(cookieName, outcome.deviceCookie, {
      path: `${issuerPath(tenant.issuer)}/interaction/`,
      maxAge: DEVICE_COOKIE_MAX_AGE_SECONDS,
      httpOnly: true,
      sameSite: 'lax',
      secure: request.protocol === 'https',
    }),
  );
  await finishSignIn(interaction, passwordSignIn(outcome.user.id));
}
