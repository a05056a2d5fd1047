import { isFirstParty } from '../../oidc/configuration.ts';
import { consentPage } from '../../oidc/pages/consent.ts';
import { csrfTokenOf } from './csrf.ts';
import { finishInteraction } from './finish.ts';
import type { InteractionClient, LoadedInteraction } from './load.ts';
import { sendPage } from './respond.ts';
import { t, type MessageKey } from '../../oidc/pages/i18n/translate.ts';

const SCOPE_DESCRIPTIONS: Record<string, MessageKey> = {
  openid: 'consent.scope.openid',
  profile: 'consent.scope.profile',
  email: 'consent.scope.email',
  roles: 'consent.scope.roles',
  offline_access: 'consent.scope.offlineAccess',
};

/** What a consent prompt lists as not yet granted. */
interface ConsentDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

function missingOf(interaction: LoadedInteraction): ConsentDetails {
  return interaction.details.prompt.details as ConsentDetails;
}

function consentLines(missing: ConsentDetails): string[] {
  const lines = (missing.missingOIDCScope ?? []).map((scope) => t(SCOPE_DESCRIPTIONS[scope] ?? 'consent.scope.other', { scope }));
  if (missing.missingOIDCClaims?.length) lines.push(t('consent.claims', { claims: missing.missingOIDCClaims.join(', ') }));
  for (const [api, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    lines.push(scopes.length > 0 ? t('consent.apiWith', { api, scopes: scopes.join(', ') }) : t('consent.api', { api }));
  }
  return lines.length > 0 ? lines : [t('consent.signIn')];
}

/** Records what the consent prompt asked for in the user's grant for this client. */
async function saveConsent(interaction: LoadedInteraction): Promise<string> {
  const { details } = interaction;
  const { Grant } = interaction.tenant.provider;
  const accountId = details.session?.accountId;
  const clientId = (details.params as { client_id: string }).client_id;
  const grant = (details.grantId ? await Grant.find(details.grantId) : undefined) ?? new Grant({ accountId, clientId });
  const missing = missingOf(interaction);
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
  return grant.save();
}

async function grantConsent(interaction: LoadedInteraction): Promise<void> {
  await finishInteraction(interaction, { consent: { grantId: await saveConsent(interaction) } }, true);
}

/** The consent prompt: granted at once for a first-party application, else a page that asks. */
export async function showConsentPage(interaction: LoadedInteraction, client: InteractionClient, clientName: string) {
  // Also reached with prompt=consent (which OIDC requires for offline_access): first-party apps are not asked.
  if (isFirstParty(client as never)) return grantConsent(interaction);
  return sendPage(
    interaction.reply,
    200,
    consentPage({ clientName, action: `${interaction.basePath}/consent`, csrfToken: csrfTokenOf(interaction), requests: consentLines(missingOf(interaction)) }),
  );
}

/** The consent form's post: allow saves the grant, anything else tells the application access_denied. */
export async function decideConsent(interaction: LoadedInteraction): Promise<void> {
  const form = (interaction.request.body ?? {}) as { decision?: string };
  if (form.decision !== 'allow') {
    return finishInteraction(interaction, { error: 'access_denied', error_description: 'the user denied the request' }, false);
  }
  await grantConsent(interaction);
}
