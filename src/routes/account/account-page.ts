import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { resolveTenant } from '../../tenancy/tenancy.plugin.ts';
import type { TenantContext } from '../../tenancy/tenant-context.ts';
import type { Actor } from '../../platform/tenant-scope.ts';
import { isAppError } from '../../errors.ts';
import { accountMail, type AccountMail } from '../../modules/users/account-mail.ts';
import { loginKeysFor, type TenantLoginKeys } from '../../modules/users/login-keys.ts';
import { sendPage } from '../interactions/respond.ts';
import { formTokenFor, requireFormToken, type FormTokenContext } from './form-token.ts';
import { issuerPath } from '../../platform/issuer.ts';
import { t, tCount } from '../../oidc/pages/i18n/translate.ts';

/** What every account page works with: the request, its tenant, and the ways back into a sign-in. */
export interface AccountPage {
  request: FastifyRequest;
  reply: FastifyReply;
  tenant: TenantContext;
  /** `/t/<id>` as the public URL has it, or `` on the tenant's host: the pages' links and form actions start here. */
  tenantPath: string;
  form: FormTokenContext;
  mail: AccountMail;
  loginKeys: TenantLoginKeys;
  /** Someone not signed in, known by address (the audit log and the limits). */
  visitor: Actor & { ip: string };
  /** The sign-in (interaction uid) the page was opened from, carried through its forms. */
  interaction: string | undefined;
  /** Back to that sign-in's login page. */
  signInHref: string | undefined;
}

export async function loadAccountPage(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<AccountPage> {
  const tenant = await resolveTenant(app, request, reply);
  const tenantPath = issuerPath(tenant.issuer);
  const carried = (request.body as { interaction?: string } | undefined)?.interaction ?? (request.query as { interaction?: string } | undefined)?.interaction;
  const interaction = carried || undefined;
  return {
    request,
    reply,
    tenant,
    tenantPath,
    form: { config: app.platform.config, tenantId: tenant.id, tenantPath },
    mail: accountMail(app.platform, { id: tenant.id, displayName: tenant.row.display_name }),
    loginKeys: loginKeysFor(app.platform.config, tenant.id),
    visitor: { type: 'anonymous', id: 'visitor', ip: request.ip },
    interaction,
    signInHref: interaction ? `${tenantPath}/interaction/${interaction}` : undefined,
  };
}

/** A page's form post: the tenant, then the form's CSRF token, before anything else. */
export async function loadAccountForm(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<AccountPage> {
  const page = await loadAccountPage(app, request, reply);
  requireFormToken(request, page.form);
  return page;
}

export const formTokenOf = (page: AccountPage) => formTokenFor(page.request, page.reply, page.form);

/** A link to another account page that keeps the sign-in it came from. */
export function accountHref(page: AccountPage, path: string): string {
  return `${page.tenantPath}/${path}${page.interaction ? `?interaction=${encodeURIComponent(page.interaction)}` : ''}`;
}

/** What a refused form says to the person, and with which status. */
export interface FormProblem {
  status: number;
  message: string;
}

const sentence = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;

/**
 * A service's refusal as the form shows it, for the codes a person can act on; anything else is
 * rethrown to the app's error answer. A throttled request gets its Retry-After header here.
 */
export function formProblemOf(page: AccountPage, error: unknown, codes: readonly string[]): FormProblem {
  if (!isAppError(error) || !codes.includes(error.code)) throw error;
  if (error.code === 'throttled') {
    const seconds = Number(error.details?.retryAfterSeconds ?? 60);
    page.reply.header('retry-after', String(seconds));
    const minutes = Math.ceil(seconds / 60);
    return { status: 429, message: tCount('common.tooManyRequests', minutes) };
  }
  if (error.code === 'invalid_email') return { status: 400, message: t('common.invalidEmail') };
  return { status: error.status, message: sentence(error.message) };
}

/** `headers`: a page's own replacements of the security headers (a page with the passkey script). */
export const showPage = (page: AccountPage, status: number, html: string, headers?: Readonly<Record<string, string>>) => sendPage(page.reply, status, html, headers);
