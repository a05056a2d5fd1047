import { authenticatePassword } from '../../modules/users/authenticate.ts';
import { deviceCookieName } from '../../modules/users/device-cookie.ts';
import { loginKeysFor } from '../../modules/users/login-keys.ts';
import { listEnabledConnections } from '../../modules/connections/connections.repository.ts';
import { beginConnectionSignIn } from '../../modules/connections/saml-sign-in.service.ts';
import { hasUpstreamTrip } from '../../modules/connections/upstream-sign-ins.repository.ts';
import { linkAfterPassword, pendingUpstreamOutcome, recordUpstreamSignIn, takeUpstreamOutcome } from '../../modules/connections/upstream-outcome.service.ts';
import { UpstreamRefused } from '../../modules/connections/upstream-refusal.ts';
import type { ConnectionButton } from '../../oidc/pages/connection-buttons.ts';
import { linkAccountPage, upstreamRefusedPage } from '../../oidc/pages/upstream.ts';
import { upstreamSignIn } from '../../oidc/sign-in.ts';
import { canonicalEmail } from '../../modules/users/email.ts';
import { csrfTokenOf } from './csrf.ts';
import { finishSignIn } from './finish.ts';
import type { LoadedInteraction } from './load.ts';
import { sendPage } from './respond.ts';
import { t } from '../../oidc/pages/i18n/translate.ts';

/**
 * The interaction's side of a sign-in through an upstream provider (modules/connections/): the
 * login page's buttons, the start of a trip, and its end once the provider's answer came back to
 * `/t/<id>/connections/callback` (routes/connections/). Everything here runs inside the
 * interaction, so only the browser that started a trip can finish it.
 */

/** The login page's buttons: one per enabled connection. */
export async function connectionButtonsFor(interaction: LoadedInteraction): Promise<ConnectionButton[]> {
  const connections = await listEnabledConnections(interaction.tenant.db);
  return connections.map((connection) => ({ label: connection.display_name, action: `${interaction.basePath}/connections/${connection.name}` }));
}

function refusedPage(interaction: LoadedInteraction, refusal: UpstreamRefused, providerName = 'The provider') {
  interaction.request.log.info({ reason: refusal.reason }, 'upstream sign-in refused');
  return sendPage(interaction.reply, refusal.status, upstreamRefusedPage({ message: refusal.describe(providerName), signInHref: interaction.basePath }));
}

/** Sends the browser to the provider, or shows why it cannot go. `loginHint`: the address typed on the login form. */
export async function startConnection(interaction: LoadedInteraction, connection: string, loginHint?: string) {
  const hint = loginHint ?? (interaction.details.params as { login_hint?: unknown }).login_hint;
  try {
    const { url } = await beginConnectionSignIn(interaction.tenant.scope, {
      connection,
      interactionUid: interaction.details.uid,
      loginHint: typeof hint === 'string' ? hint : undefined,
    });
    return interaction.reply.header('cache-control', 'no-store').redirect(url, 303);
  } catch (error) {
    if (error instanceof UpstreamRefused) return refusedPage(interaction, error, error.providerName);
    throw error;
  }
}

/**
 * The connection the authorization request points at, if any: `idp_hint=<name>`, or a
 * `login_hint` address whose domain a connection declares (home-realm discovery). Followed once
 * per sign-in: a person who comes back from the provider to the login page stays there.
 */
export async function hintedConnection(interaction: LoadedInteraction): Promise<string | undefined> {
  const params = interaction.details.params as { idp_hint?: unknown; login_hint?: unknown };
  const domain = typeof params.login_hint === 'string' ? canonicalEmail(params.login_hint)?.split('@')[1] : undefined;
  if (typeof params.idp_hint !== 'string' && !domain) return undefined;
  const connections = await listEnabledConnections(interaction.tenant.db);
  const chosen =
    connections.find((connection) => connection.name === params.idp_hint) ?? (domain ? connections.find((connection) => connection.domains.includes(domain)) : undefined);
  if (!chosen || (await hasUpstreamTrip(interaction.tenant.db, interaction.details.uid))) return undefined;
  return chosen.name;
}

/**
 * Home-realm discovery on the login form: the enabled connection whose email domains include the
 * address typed, if any. Such a person signs in at their organisation's provider, never with a
 * password here, so the form sends them there before any password is looked at (and says nothing
 * about whether an account exists).
 */
export async function homeRealmConnection(interaction: LoadedInteraction, email: string): Promise<string | undefined> {
  const domain = canonicalEmail(email)?.split('@')[1];
  if (!domain) return undefined;
  const connections = await listEnabledConnections(interaction.tenant.db);
  return connections.find((connection) => connection.domains.includes(domain))?.name;
}

/**
 * Back from the provider: signs in with the account the callback found, or asks for the local
 * password where the account must be proven before it is linked.
 */
export async function finishConnection(interaction: LoadedInteraction, tripId: string) {
  const { scope } = interaction.tenant;
  try {
    const pending = await pendingUpstreamOutcome(scope, tripId, interaction.details.uid);
    if (pending.kind === 'link_required') return showLinkPage(interaction, tripId, pending.connection, pending.email);
    const outcome = await takeUpstreamOutcome(scope, tripId, interaction.details.uid);
    if (outcome.kind !== 'signed_in') throw new Error('a trip changed its outcome');
    const keys = loginKeysFor(interaction.app.platform.config, interaction.tenant.id);
    await recordUpstreamSignIn(scope, keys, { userId: outcome.user_id, email: outcome.email, connection: outcome.connection, ip: interaction.request.ip });
    await finishSignIn(interaction, upstreamSignIn(outcome.user_id, outcome.connection));
  } catch (error) {
    if (error instanceof UpstreamRefused) return refusedPage(interaction, error);
    throw error;
  }
}

async function providerNameOf(interaction: LoadedInteraction, connection: string): Promise<string> {
  const enabled = await listEnabledConnections(interaction.tenant.db);
  return enabled.find((row) => row.name === connection)?.display_name ?? connection;
}

async function showLinkPage(interaction: LoadedInteraction, tripId: string, connection: string, email: string, error?: string, status = 200) {
  return sendPage(
    interaction.reply,
    status,
    linkAccountPage({
      tenantName: interaction.tenant.row.display_name,
      providerName: await providerNameOf(interaction, connection),
      email,
      action: `${interaction.basePath}/upstream/${tripId}/link`,
      csrfToken: csrfTokenOf(interaction),
      signInHref: interaction.basePath,
      error,
    }),
  );
}

/**
 * The local account's password, to link an upstream account to it. Checked like any password
 * sign-in (authenticatePassword: throttled, recorded); the link and the trip's end are one
 * transaction, and the sign-in says both: `fed` and `pwd`.
 */
export async function linkWithPassword(interaction: LoadedInteraction, tripId: string) {
  const { app, request, tenant } = interaction;
  try {
    const pending = await pendingUpstreamOutcome(tenant.scope, tripId, interaction.details.uid);
    if (pending.kind !== 'link_required') throw new UpstreamRefused('unknown_state', 400, 'There is no account to link for this sign-in. Start the sign-in again.');
    const keys = loginKeysFor(app.platform.config, tenant.id);
    const password = (request.body as { password?: string } | undefined)?.password ?? '';
    const outcome = await authenticatePassword(tenant.db, keys, {
      email: pending.email,
      password,
      ip: request.ip,
      deviceCookie: request.cookies[deviceCookieName(tenant.id)],
    });
    if (!outcome.ok || outcome.user.id !== pending.user_id) {
      const throttled = !outcome.ok && outcome.reason === 'throttled';
      if (throttled) interaction.reply.header('retry-after', String(outcome.retryAfterSeconds));
      const message = throttled ? t('upstream.tooManyAttempts') : t('upstream.wrongPassword');
      return showLinkPage(interaction, tripId, pending.connection, pending.email, message, throttled ? 429 : 401);
    }
    const linked = await linkAfterPassword(tenant.scope, tripId, interaction.details.uid, request.ip);
    await recordUpstreamSignIn(tenant.scope, keys, { userId: linked.user_id, email: linked.email, connection: linked.connection, ip: request.ip });
    await finishSignIn(interaction, upstreamSignIn(linked.user_id, linked.connection, true));
  } catch (error) {
    if (error instanceof UpstreamRefused) return refusedPage(interaction, error);
    throw error;
  }
}
