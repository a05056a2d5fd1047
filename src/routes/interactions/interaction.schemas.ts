import { Type, type TProperties } from 'typebox';
import { HtmlPage, TenantId, pageOrError } from '../schemas.ts';

/**
 * The sign-in pages' contracts. Their forms post `application/x-www-form-urlencoded`, parsed into
 * an object of strings; a field the page does not have is refused like any unknown field. A
 * missing or wrong `csrf` is not a schema matter: the route answers it with its own 403 page.
 */
const InteractionParams = Type.Object({
  tenant: TenantId,
  uid: Type.String({ description: 'the interaction id, as the provider put it in the URL' }),
});

/** Every form of these pages carries the interaction's CSRF token. */
function form(fields: TProperties) {
  return Type.Object({ csrf: Type.Optional(Type.String({ description: 'the token the page was served with' })), ...fields }, { additionalProperties: false });
}

const REFUSED = {
  400: pageOrError('a bad form or an interaction this step does not fit (`invalid_request`, or a page saying why)'),
  403: pageOrError('the form did not come with this interaction (CSRF), or the tenant is suspended'),
  404: pageOrError('tenant_not_found'),
};

/** The provider takes over: a redirect back into the authorization flow (or its own error page). */
const FINISHED = { 303: { description: 'back to the authorization endpoint, with the outcome', content: { 'text/html': { schema: HtmlPage } } } };

export const interactionPageSchema = {
  params: InteractionParams,
  response: { 200: { description: 'the login or consent page', content: { 'text/html': { schema: HtmlPage } } }, ...FINISHED, ...REFUSED },
};

/** What the forms post; OpenAPI generators read `consumes` (Fastify itself ignores it). */
const FORM = ['application/x-www-form-urlencoded'];

export const loginSchema = {
  consumes: FORM,
  params: InteractionParams,
  body: form({ email: Type.Optional(Type.String()), password: Type.Optional(Type.String()) }),
  response: {
    ...FINISHED,
    ...REFUSED,
    403: pageOrError('the form did not come with this interaction (CSRF), the tenant is suspended, or the account must confirm its address first (a page offering a new link)'),
    401: { description: 'the email or password is not correct: the login page again', content: { 'text/html': { schema: HtmlPage } } },
    429: { description: 'too many attempts: the login page again, with Retry-After', content: { 'text/html': { schema: HtmlPage } } },
  },
};

export const consentSchema = {
  consumes: FORM,
  params: InteractionParams,
  body: form({ decision: Type.Optional(Type.Union([Type.Literal('allow'), Type.Literal('deny')], { description: 'the button pressed; without it, the request is denied' })) }),
  response: { ...FINISHED, ...REFUSED },
};

export const abortSchema = {
  consumes: FORM,
  params: InteractionParams,
  body: form({}),
  response: { ...FINISHED, ...REFUSED },
};

/** For the schemas of other steps' routes (upstream.schemas.ts). */
export { FINISHED, FORM, InteractionParams, REFUSED, form };
