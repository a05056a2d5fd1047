import { authenticatePassword } from '../../modules/users/authenticate.ts';
import { DEVICE_COOKIE_MAX_AGE_SECONDS, deviceCookieName } from '../../modules/users/device-cookie.ts';
import { loginKeysFor } from '../../modules/users/login-keys.ts';
import { passwordSignIn } from '../../oidc/sign-in.ts';
import { loginPage } from '../../oidc/pages/login.ts';
import { csrfTokenOf } from './csrf.ts';
import { clientOf, displayNameOf, type LoadedInteraction } from './load.ts';
import { finishSignIn } from './finish.ts';
import { sendPage } from './respond.ts';

interface PasswordForm {
  email?: string;
  password?: string;
}

function loginHtml(interaction: LoadedInteraction, clientName: string, email: string | undefined, error?: string): string {
  return loginPage({
    tenantName: interaction.tenant.row.display_name,
    clientName,
    action: `${interaction.basePath}/login`,
    abortAction: `${interaction.basePath}/abort`,
    csrfToken: csrfTokenOf(interaction),
    email,
    error,
  });
}

/** The login prompt's page: the password form, the email filled in from `login_hint`. */
export function showLoginPage(interaction: LoadedInteraction, clientName: string) {
  const hint = (interaction.details.params as { login_hint?: string }).login_hint;
  return sendPage(interaction.reply, 200, loginHtml(interaction, clientName, typeof hint === 'string' ? hint : undefined));
}

/**
 * The password form's post. Passwords are checked here, with the shared throttling
 * (authenticatePassword); the provider only hears the outcome, through finishSignIn.
 */
export async function checkPassword(interaction: LoadedInteraction) {
  const { app, request, reply, tenant } = interaction;
  const form = (request.body ?? {}) as PasswordForm;
  const email = (form.email ?? '').slice(0, 320);
  const keys = loginKeysFor(app.platform.config, tenant.id);
  const cookieName = deviceCookieName(tenant.id);
  const deviceCookie = request.cookies[cookieName];
  const outcome = await authenticatePassword(tenant.db, keys, { email, password: form.password ?? '', ip: request.ip, deviceCookie });
  if (!outcome.ok) {
    const clientName = displayNameOf(interaction, await clientOf(interaction));
    if (outcome.reason === 'throttled') {
      const minutes = Math.ceil(outcome.retryAfterSeconds / 60);
      reply.header('retry-after', String(outcome.retryAfterSeconds));
      return sendPage(reply, 429, loginHtml(interaction, clientName, email, `Too many attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`));
    }
    return sendPage(reply, 401, loginHtml(interaction, clientName, email, 'The email or password is not correct.'));
  }
  // On the raw response: finishSignIn hands it to the provider, which keeps headers already set.
  reply.raw.appendHeader(
    'set-cookie',
    app.serializeCookie(cookieName, outcome.deviceCookie, {
      path: `${new URL(tenant.issuer).pathname}/interaction/`,
      maxAge: DEVICE_COOKIE_MAX_AGE_SECONDS,
      httpOnly: true,
      sameSite: 'lax',
      secure: request.protocol === 'https',
    }),
  );
  await finishSignIn(interaction, passwordSignIn(outcome.user.id));
}
