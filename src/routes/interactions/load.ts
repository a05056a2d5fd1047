import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Interaction } from 'oidc-provider';
import { resolveTenant } from '../../tenancy/tenancy.plugin.ts';
import type { TenantContext } from '../../tenancy/tenant-context.ts';
import { tenantCsrfKey } from '../../oidc/cookie-keys.ts';
import { presentRequestToProvider } from '../../http/forwarded-headers.ts';
import { issuerPath } from '../../platform/issuer.ts';
import { InteractionRefused } from './respond.ts';
import type { MessageKey } from '../../oidc/pages/i18n/translate.ts';
import { setUiLocales } from '../../modules/branding/page-context.ts';

/** What every step works on: this request, its tenant and the interaction it continues. */
export interface LoadedInteraction {
  app: FastifyInstance;
  request: FastifyRequest;
  reply: FastifyReply;
  tenant: TenantContext;
  details: Interaction;
  csrfKey: string;
  /** `/t/<id>/interaction/<uid>` (`/interaction/<uid>` on the tenant's host): where the page's forms post. */
  basePath: string;
}

/**
 * The tenant, and the interaction of this browser's signed cookie, which must be the one the URL
 * names. oidc-provider errors (expired interaction, no cookie) become a page, never a stack trace.
 */
export async function loadInteraction(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<LoadedInteraction> {
  const tenant = await resolveTenant(app, request, reply);
  const { uid } = request.params as { uid: string };
  presentRequestToProvider(request, tenant.issuer);
  let details: Interaction;
  try {
    details = await tenant.provider.interactionDetails(request.raw, reply.raw);
  } catch (error) {
    const providerError = error as { statusCode?: number; expose?: boolean };
    if (typeof providerError.statusCode === 'number' && providerError.expose) {
      throw new InteractionRefused(providerError.statusCode, 'refusal.expired');
    }
    throw error;
  }
  if (details.uid !== uid) throw new InteractionRefused(400, 'refusal.wrongPage');
  const basePath = `${issuerPath(tenant.issuer)}/interaction/${details.uid}`;
  // The application's language wish, before the browser's (modules/branding/page-context.ts).
  setUiLocales((details.params as { ui_locales?: unknown }).ui_locales);
  return { app, request, reply, tenant, details, csrfKey: tenantCsrfKey(app.platform.config, tenant.id), basePath };
}

/** A form answers the prompt the interaction is at, not one it has passed (a second tab, a back button). */
export function requirePrompt(interaction: LoadedInteraction, prompt: 'login' | 'consent', refusal: MessageKey): void {
  if (interaction.details.prompt.name !== prompt) throw new InteractionRefused(400, refusal);
}

export async function clientOf(interaction: LoadedInteraction) {
  const clientId = (interaction.details.params as { client_id?: string }).client_id;
  return clientId ? interaction.tenant.provider.Client.find(clientId) : undefined;
}

export type InteractionClient = Awaited<ReturnType<typeof clientOf>>;

/** The application's name as a person knows it, for the page headings. */
export function displayNameOf(interaction: LoadedInteraction, client: InteractionClient): string {
  return client?.clientName || (interaction.details.params as { client_id?: string }).client_id || 'the application';
}
