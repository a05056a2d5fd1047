import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAppError } from '../../errors.ts';
import { accountMail } from '../../modules/users/account-mail.ts';
import { EMAIL_TOKEN_LIFETIME_SECONDS } from '../../modules/users/email-tokens.ts';
import { loginKeysFor } from '../../modules/users/login-keys.ts';
import { magicLinkWaiting, requestMagicLink, useMagicLink } from '../../modules/users/magic-link.service.ts';
import { readTenantSettings } from '../../modules/settings/settings.service.ts';
import { emailRequestPage } from '../../oidc/pages/email-request.ts';
import { noticePage } from '../../oidc/pages/notice.ts';
import { magicLinkSignIn } from '../../oidc/sign-in.ts';
import { csrfTokenOf } from './csrf.ts';
import { finishSignIn } from './finish.ts';
import { loadInteraction, type LoadedInteraction } from './load.ts';
import { InteractionRefused, sendPage } from './respond.ts';
import { t, tCount, tDuration } from '../../oidc/pages/i18n/translate.ts';

/**
 * "Email me a sign-in link" (modules/users/magic-link.service.ts): the address form and its post,
 * both inside the interaction like the password form, and the mailed link, which lands back in
 * that interaction at `<interaction>/magic-link/sign-in?token=…`. The interaction cookie's path
 * is the interaction's own URL, so only the browser that asked sends it there.
 */

const OFF = 'refusal.magicLinksOff';

const visitorOf = (request: FastifyRequest) => ({ type: 'anonymous' as const, id: 'visitor', ip: request.ip });

function addressForm(interaction: LoadedInteraction, status: number, email?: string, error?: string) {
  return sendPage(
    interaction.reply,
    status,
    emailRequestPage({
      tenantName: interaction.tenant.row.display_name,
      kind: 'magic_link',
      action: `${interaction.basePath}/magic-link`,
      csrfToken: csrfTokenOf(interaction),
      signInHref: interaction.basePath,
      email,
      error,
    }),
  );
}

/** `GET <interaction>/magic-link`: the address form, linked from the login page when the tenant offers links. */
export async function showMagicLinkForm(interaction: LoadedInteraction) {
  if (!(await readTenantSettings(interaction.tenant.scope)).magicLinks) throw new InteractionRefused(403, OFF);
  return addressForm(interaction, 200);
}

/** Its post: one answer for every address, known or not; a bad address or too many requests get the form again. */
export async function sendMagicLink(interaction: LoadedInteraction) {
  const { app, request, reply, tenant } = interaction;
  const { email } = (request.body ?? {}) as { email?: string };
  try {
    await requestMagicLink(
      tenant.scope,
      {
        email: email ?? '',
        interaction: interaction.details.uid,
        linkTo: (token) => `${new URL(interaction.basePath, tenant.issuer).href}/magic-link/sign-in?token=${token}`,
        loginKeys: loginKeysFor(app.platform.config, tenant.id),
        mail: accountMail(app.platform, { id: tenant.id, displayName: tenant.row.display_name }),
      },
      visitorOf(request),
    );
  } catch (error) {
    if (!isAppError(error)) throw error;
    if (error.code === 'magic_links_disabled') throw new InteractionRefused(403, OFF);
    if (error.code === 'invalid_email') return addressForm(interaction, 400, email, t('common.invalidEmail'));
    if (error.code !== 'throttled') throw error;
    const seconds = Number(error.details?.retryAfterSeconds ?? 60);
    const minutes = Math.ceil(seconds / 60);
    reply.header('retry-after', String(seconds));
    return addressForm(interaction, 429, email, tCount('common.tooManyRequests', minutes));
  }
  return sendPage(
    reply,
    200,
    noticePage({
      title: t('common.checkMail'),
      paragraphs: [
        t('magicLink.sent', { email: String(email), tenant: tenant.row.display_name }),
        t('magicLink.openHere', { time: tDuration(EMAIL_TOKEN_LIFETIME_SECONDS.magic_link) }),
      ],
      link: { href: interaction.basePath, label: t('common.backToSignIn') },
    }),
  );
}

function linkUnusable(reply: FastifyReply, signInHref?: string) {
  return sendPage(
    reply,
    400,
    noticePage({
      title: t('common.linkUnusable'),
      paragraphs: [
        t('magicLink.unusable'),
        t('magicLink.unusableNext'),
      ],
      link: signInHref ? { href: signInHref, label: t('common.backToSignIn') } : undefined,
      alert: true,
    }),
  );
}

/** The link is good, but this browser has not got its sign-in: it stays usable where it belongs. */
function openedElsewhere(reply: FastifyReply) {
  return sendPage(
    reply,
    403,
    noticePage({
      title: t('magicLink.elsewhereTitle'),
      paragraphs: [
        t('magicLink.elsewhere'),
        t('magicLink.elsewhereNext'),
      ],
      alert: true,
    }),
  );
}

/**
 * `GET <interaction>/magic-link/sign-in?token=…`, what the mail opens. Without this browser's
 * interaction (another device, a mail scanner, a sign-in that ended) nothing is used: the page
 * says whether the link still waits for its own browser. Otherwise the link is used and the
 * sign-in finished like a password's, with its own `amr`.
 */
export async function openMagicLink(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
  const { token } = request.query as { token?: string };
  let interaction: LoadedInteraction;
  try {
    interaction = await loadInteraction(app, request, reply);
  } catch (error) {
    if (!(error instanceof InteractionRefused) || !request.tenant) throw error;
    const { uid } = request.params as { uid: string };
    return (await magicLinkWaiting(request.tenant.scope, { token, interaction: uid })) ? openedElsewhere(reply) : linkUnusable(reply);
  }
  if (interaction.details.prompt.name !== 'login') return linkUnusable(reply, interaction.basePath);
  let userId: string;
  try {
    const loginKeys = loginKeysFor(app.platform.config, interaction.tenant.id);
    ({ userId } = await useMagicLink(interaction.tenant.scope, { token, interaction: interaction.details.uid, loginKeys }, visitorOf(request)));
  } catch (error) {
    if (!isAppError(error)) throw error;
    if (error.code === 'invalid_link') return linkUnusable(reply, interaction.basePath);
    if (error.code === 'magic_links_disabled') throw new InteractionRefused(403, OFF);
    if (error.code === 'user_disabled') throw new InteractionRefused(403, 'refusal.accountDisabled');
    throw error;
  }
  await finishSignIn(interaction, magicLinkSignIn(userId));
}
