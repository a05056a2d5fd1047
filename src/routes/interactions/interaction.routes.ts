import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Interaction, InteractionResults } from 'oidc-provider';
import { resolveTenant } from '../../tenancy/tenancy.plugin.ts';
import type { TenantContext } from '../../tenancy/tenant-context.ts';
import { authenticatePassword } from '../../modules/users/authenticate.ts';
import { DEVICE_COOKIE_MAX_AGE_SECONDS, deviceCookieName } from '../../modules/users/device-cookie.ts';
import { loginKeysFor } from '../../modules/users/login-keys.ts';
import { tenantCsrfKey } from '../../oidc/cookie-keys.ts';
import { isFirstParty } from '../../oidc/configuration.ts';
import { csrfTokenFor, csrfTokenValid } from './csrf.ts';
import { PAGE_SECURITY_HEADERS, consentPage, loginPage, messagePage } from '../../oidc/pages.ts';
import { presentRequestToProvider } from '../../http/forwarded-headers.ts';
import { abortSchema, consentSchema, interactionPageSchema, loginSchema } from './interaction.schemas.ts';

type Form = Record<string, string | undefined>;

const SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: 'Know who you are',
  profile: 'See your name',
  email: 'See your email address',
  roles: 'See your roles',
  offline_access: 'Stay signed in while you are away',
};

/** Pages must not be cached, framed or allowed to load anything but their inline style. */
function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.status(status).headers(PAGE_SECURITY_HEADERS).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
}

class InteractionRefused extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

interface LoadedInteraction {
  tenant: TenantContext;
  details: Interaction;
  csrfKey: string;
  basePath: string;
}

/**
 * The tenant, and the interaction of this browser's signed cookie, which must be the one the URL
 * names. oidc-provider errors (expired interaction, no cookie) become a page, never a stack trace.
 */
async function loadInteraction(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<LoadedInteraction> {
  const tenant = await resolveTenant(app, request, reply);
  const { uid } = request.params as { uid: string };
  presentRequestToProvider(request, app.platform.config.publicUrl);
  let details: Interaction;
  try {
    details = await tenant.provider.interactionDetails(request.raw, reply.raw);
  } catch (error) {
    const providerError = error as { statusCode?: number; expose?: boolean };
    if (typeof providerError.statusCode === 'number' && providerError.expose) {
      throw new InteractionRefused(providerError.statusCode, 'This sign-in has expired or was started in another browser.');
    }
    throw error;
  }
  if (details.uid !== uid) throw new InteractionRefused(400, 'This sign-in page does not belong to the current sign-in.');
  const basePath = `${new URL(tenant.issuer).pathname}/interaction/${details.uid}`;
  return { tenant, details, csrfKey: tenantCsrfKey(app.platform.config, tenant.id), basePath };
}

async function clientOf(tenant: TenantContext, details: Interaction) {
  const clientId = (details.params as { client_id?: string }).client_id;
  return clientId ? tenant.provider.Client.find(clientId) : undefined;
}

function displayNameOf(client: Awaited<ReturnType<typeof clientOf>>, details: Interaction): string {
  return client?.clientName || (details.params as { client_id?: string }).client_id || 'the application';
}

async function clientName(tenant: TenantContext, details: Interaction): Promise<string> {
  return displayNameOf(await clientOf(tenant, details), details);
}

/** What a consent prompt lists as not yet granted. */
interface ConsentDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

function loginHtml(loaded: LoadedInteraction, name: string, email: string | undefined, error?: string): string {
  return loginPage({
    tenantName: loaded.tenant.row.display_name,
    clientName: name,
    action: `${loaded.basePath}/login`,
    abortAction: `${loaded.basePath}/abort`,
    csrfToken: csrfTokenFor(loaded.csrfKey, loaded.details.uid),
    email,
    error,
  });
}

function consentLines(details: Interaction): string[] {
  const prompt = details.prompt.details as ConsentDetails;
  const lines = (prompt.missingOIDCScope ?? []).map((scope) => SCOPE_DESCRIPTIONS[scope] ?? `Use the "${scope}" scope`);
  if (prompt.missingOIDCClaims?.length) lines.push(`See these details: ${prompt.missingOIDCClaims.join(', ')}`);
  for (const [api, scopes] of Object.entries(prompt.missingResourceScopes ?? {})) {
    lines.push(scopes.length > 0 ? `Call ${api} with: ${scopes.join(', ')}` : `Call ${api}`);
  }
  return lines.length > 0 ? lines : ['Sign you in'];
}

/** Records what the consent prompt asked for in the user's grant for this client. */
async function saveConsent(loaded: LoadedInteraction): Promise<string> {
  const { details } = loaded;
  const { Grant } = loaded.tenant.provider;
  const accountId = details.session?.accountId;
  const clientId = (details.params as { client_id: string }).client_id;
  const grant = (details.grantId ? await Grant.find(details.grantId) : undefined) ?? new Grant({ accountId, clientId });
  const prompt = details.prompt.details as ConsentDetails;
  if (prompt.missingOIDCScope) grant.addOIDCScope(prompt.missingOIDCScope.join(' '));
  if (prompt.missingOIDCClaims) grant.addOIDCClaims(prompt.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(prompt.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
  return grant.save();
}

/** Hands the result to the provider, which redirects the browser back into the authorization flow. */
async function finish(request: FastifyRequest, reply: FastifyReply, loaded: LoadedInteraction, result: InteractionResults, merge: boolean) {
  reply.hijack();
  await loaded.tenant.provider.interactionFinished(request.raw, reply.raw, result, { mergeWithLastSubmission: merge });
}

function requireCsrf(loaded: LoadedInteraction, form: Form): void {
  if (!csrfTokenValid(loaded.csrfKey, loaded.details.uid, form.csrf)) {
    throw new InteractionRefused(403, 'The form expired or did not come from this site. Go back and try again.');
  }
}

/**
 * Login and consent pages for every tenant: `/t/<id>/interaction/<uid>` (DESIGN §8). Passwords
 * are checked here, with the shared throttling; the provider only hears the outcome.
 */
export async function interactionRoutes(app: FastifyInstance): Promise<void> {
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    scope.setErrorHandler((error, _request, reply) => {
      if (error instanceof InteractionRefused) return sendPage(reply, error.status, messagePage('This sign-in cannot continue', error.message));
      throw error;
    });

    scope.get('/t/:tenant/interaction/:uid', { schema: interactionPageSchema }, async (request, reply) => {
      const loaded = await loadInteraction(app, request, reply);
      const { details } = loaded;
      const client = await clientOf(loaded.tenant, details);
      if (details.prompt.name === 'consent' && isFirstParty(client as never)) {
        // Also reached with prompt=consent (which OIDC requires for offline_access): first-party apps are not asked.
        return finish(request, reply, loaded, { consent: { grantId: await saveConsent(loaded) } }, true);
      }
      const name = displayNameOf(client, details);
      if (details.prompt.name === 'login') {
        const hint = (details.params as { login_hint?: string }).login_hint;
        return sendPage(reply, 200, loginHtml(loaded, name, typeof hint === 'string' ? hint : undefined));
      }
      if (details.prompt.name === 'consent') {
        return sendPage(
          reply,
          200,
          consentPage({ clientName: name, action: `${loaded.basePath}/consent`, csrfToken: csrfTokenFor(loaded.csrfKey, details.uid), requests: consentLines(details) }),
        );
      }
      throw new InteractionRefused(400, 'This sign-in asks for a step this server does not offer.');
    });

    scope.post('/t/:tenant/interaction/:uid/login', { schema: loginSchema }, async (request, reply) => {
      const loaded = await loadInteraction(app, request, reply);
      const form = (request.body ?? {}) as Form;
      requireCsrf(loaded, form);
      if (loaded.details.prompt.name !== 'login') throw new InteractionRefused(400, 'You are already signed in for this request.');
      const email = (form.email ?? '').slice(0, 320);
      const keys = loginKeysFor(app.platform.config, loaded.tenant.id);
      const cookieName = deviceCookieName(loaded.tenant.id);
      const deviceCookie = request.cookies[cookieName];
      const outcome = await authenticatePassword(loaded.tenant.db, keys, { email, password: form.password ?? '', ip: request.ip, deviceCookie });
      if (!outcome.ok) {
        const name = await clientName(loaded.tenant, loaded.details);
        if (outcome.reason === 'throttled') {
          const minutes = Math.ceil(outcome.retryAfterSeconds / 60);
          reply.header('retry-after', String(outcome.retryAfterSeconds));
          return sendPage(reply, 429, loginHtml(loaded, name, email, `Too many attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`));
        }
        return sendPage(reply, 401, loginHtml(loaded, name, email, 'The email or password is not correct.'));
      }
      // On the raw response: finish() hands it to the provider, which keeps headers already set.
      reply.raw.appendHeader(
        'set-cookie',
        app.serializeCookie(cookieName, outcome.deviceCookie, {
          path: `${new URL(loaded.tenant.issuer).pathname}/interaction/`,
          maxAge: DEVICE_COOKIE_MAX_AGE_SECONDS,
          httpOnly: true,
          sameSite: 'lax',
          secure: request.protocol === 'https',
        }),
      );
      await finish(request, reply, loaded, { login: { accountId: outcome.user.id, amr: ['pwd'] } }, false);
    });

    scope.post('/t/:tenant/interaction/:uid/consent', { schema: consentSchema }, async (request, reply) => {
      const loaded = await loadInteraction(app, request, reply);
      const form = (request.body ?? {}) as Form;
      requireCsrf(loaded, form);
      const { details } = loaded;
      if (details.prompt.name !== 'consent') throw new InteractionRefused(400, 'There is nothing to allow for this request.');
      if (form.decision !== 'allow') {
        return finish(request, reply, loaded, { error: 'access_denied', error_description: 'the user denied the request' }, false);
      }
      const grantId = await saveConsent(loaded);
      await finish(request, reply, loaded, { consent: { grantId } }, true);
    });

    scope.post('/t/:tenant/interaction/:uid/abort', { schema: abortSchema }, async (request, reply) => {
      const loaded = await loadInteraction(app, request, reply);
      requireCsrf(loaded, (request.body ?? {}) as Form);
      await finish(request, reply, loaded, { error: 'access_denied', error_description: 'the user cancelled the sign-in' }, false);
    });
  });
}
