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

const html = (description: string) => ({ description, content: { 'text/html': { schema: HtmlPage } } });

const MAGIC_LINKS_OFF = pageOrError('the form did not come with this interaction (CSRF), the tenant is suspended, or it does not offer sign-in links by mail');

export const magicLinkPageSchema = {
  params: InteractionParams,
  response: { 200: html('the form asking for the address to mail a sign-in link to'), ...REFUSED, 403: MAGIC_LINKS_OFF },
};

export const magicLinkSchema = {
  consumes: FORM,
  params: InteractionParams,
  body: form({ email: Type.Optional(Type.String()) }),
  response: {
    200: html('the same page for every address: a link is on its way if it has an account'),
    ...REFUSED,
    400: pageOrError('a bad form or address (the form again), or an interaction this step does not fit'),
    403: MAGIC_LINKS_OFF,
    429: html('too many requests for mail from this address or network: the form again, with Retry-After'),
  },
};

export const magicLinkSignInSchema = {
  params: InteractionParams,
  querystring: Type.Object(
    { token: Type.Optional(Type.String({ maxLength: 200, description: 'the token of the mailed link' })) },
    { additionalProperties: false },
  ),
  response: {
    ...FINISHED,
    ...REFUSED,
    400: pageOrError('the link is invalid, used, expired, or of another sign-in'),
    403: pageOrError('the link is good but this browser is not the one that asked for it (it stays usable there), the account is disabled, or the tenant does not offer sign-in links'),
  },
};

/** The second step's forms (second-factor.ts): a code, from an app or a recovery code. */
const Code = Type.Optional(Type.String({ maxLength: 100, description: 'six digits from the authenticator app, or a recovery code' }));

export const secondFactorSchema = {
  consumes: FORM,
  params: InteractionParams,
  body: form({ code: Code, remember: Type.Optional(Type.Literal('yes', { description: 'remember this browser, where the tenant allows it' })) }),
  response: {
    ...FINISHED,
    ...REFUSED,
    400: pageOrError('a bad form, or no second step is pending (the first factor was too long ago): a page saying to sign in again'),
    401: { description: 'the code is not correct or was used before: the code page again', content: { 'text/html': { schema: HtmlPage } } },
    429: { description: 'too many wrong codes: the code page again, with Retry-After', content: { 'text/html': { schema: HtmlPage } } },
  },
};

export const enrolmentSchema = {
  consumes: FORM,
  params: InteractionParams,
  body: form({ code: Code }),
  response: {
    200: { description: 'the app is set up: the recovery codes, shown once', content: { 'text/html': { schema: HtmlPage } } },
    ...REFUSED,
    401: { description: 'the code is not correct: the setup page again', content: { 'text/html': { schema: HtmlPage } } },
  },
};

export const enrolmentDoneSchema = {
  consumes: FORM,
  params: InteractionParams,
  body: form({}),
  response: { ...FINISHED, ...REFUSED },
};

/** For the schemas of other steps' routes (upstream.schemas.ts). */
export { FINISHED, FORM, InteractionParams, REFUSED, form };

/** The browser's answer to a passkey challenge (@simplewebauthn/browser's result, as JSON text). */
const PasskeyAnswer = Type.Optional(Type.String({ maxLength: 65536, description: 'the WebAuthn credential the browser returned, as JSON (filled in by the page script)' }));
const JsonError = (description: string) => ({
  description,
  content: { 'application/json': { schema: Type.Object({ error: Type.String(), error_description: Type.String() }) } },
});

export const passkeyOptionsSchema = {
  consumes: FORM,
  params: InteractionParams,
  body: Type.Object(
    { csrf: Type.Optional(Type.String({ description: 'the token the page was served with' })), response: PasskeyAnswer },
    { additionalProperties: true, description: "the login page's passkey form as it stands (only `csrf` is read)" },
  ),
  response: {
    200: {
      description: 'a fresh challenge for this interaction: WebAuthn request options (their names are the WebAuthn JSON forms)',
      content: { 'application/json': { schema: Type.Object({ options: Type.Object({}, { additionalProperties: true }) }) } },
    },
    400: JsonError('invalid_interaction: no such sign-in in this browser, or it is past its login step'),
    403: JsonError('invalid_form (CSRF) or tenant_suspended'),
    404: JsonError('tenant_not_found'),
    409: JsonError('passkeys_not_offered (policy off)'),
  },
};

export const passkeySignInSchema = {
  consumes: FORM,
  params: InteractionParams,
  body: form({ response: PasskeyAnswer }),
  response: {
    ...FINISHED,
    ...REFUSED,
    401: html('the passkey was refused (unknown here, not verified, expired challenge, counter gone backwards): the login page again, saying so'),
    409: html('the tenant does not offer passkeys: the login page again'),
  },
};

export const passkeySecondFactorSchema = {
  consumes: FORM,
  params: InteractionParams,
  body: form({ response: PasskeyAnswer }),
  response: { ...FINISHED, ...REFUSED, 401: html('the passkey was refused: the page asking for the second step again') },
};
