import { Type, type TProperties } from 'typebox';
import { HtmlPage, TenantParams, pageOrError } from '../../schemas.ts';

/**
 * The account page's contracts. Like the other hosted pages its forms post
 * `application/x-www-form-urlencoded` (parsed into strings), a field the page does not have is
 * refused, and a missing or wrong `csrf` is answered by the route (403 invalid_form). Without an
 * account session every section redirects (303) to the tenant's sign-in.
 */
const FORM = ['application/x-www-form-urlencoded'];

const html = (description: string) => ({ description, content: { 'text/html': { schema: HtmlPage } } });

function form(fields: TProperties) {
  return Type.Object({ csrf: Type.Optional(Type.String({ description: 'the token the page was served with' })), ...fields }, { additionalProperties: false });
}

const NO_QUERY = Type.Object({}, { additionalProperties: false });

const REFUSED = {
  403: pageOrError('invalid_form (the form did not come from this site), or the tenant is suspended'),
  404: pageOrError('tenant_not_found'),
};

const TO_SIGN_IN = { 303: html("no account session: to the tenant's authorization endpoint, to sign in and come back") };

const sectionPage = (description: string) => ({ params: TenantParams, querystring: NO_QUERY, response: { 200: html(description), ...TO_SIGN_IN, ...REFUSED } });

function sectionForm(fields: TProperties, answers: Record<number, unknown>) {
  return {
    consumes: FORM,
    params: TenantParams,
    body: form(fields),
    response: { ...TO_SIGN_IN, ...REFUSED, 400: pageOrError('a bad form (`invalid_request`), or the section again saying what to correct'), ...answers },
  };
}

export const homeSchema = {
  params: TenantParams,
  querystring: Type.Object({ state: Type.Optional(Type.String({ maxLength: 100, description: 'set by the sign-out on its way back' })) }, { additionalProperties: false }),
  response: {
    200: html('after signing out: a page saying so'),
    303: html('to the first section when signed in, else to sign in'),
    ...REFUSED,
  },
};

export const signInSchema = {
  params: TenantParams,
  querystring: Type.Object(
    {
      section: Type.Optional(Type.String({ pattern: '^[a-z-]{1,40}$', description: 'the section to open once signed in' })),
      fresh: Type.Optional(Type.Literal('1', { description: 'show the login page even to a signed-in browser' })),
    },
    { additionalProperties: false },
  ),
  response: { 303: html("to the tenant's authorization endpoint"), ...REFUSED },
};

const Short = (description: string) => Type.Optional(Type.String({ maxLength: 2048, description }));

export const callbackSchema = {
  params: TenantParams,
  querystring: Type.Object(
    {
      code: Short('the authorization code'),
      state: Short('the state of the sign-in this browser started'),
      iss: Short('the issuer that answers (RFC 9207)'),
      error: Short('why the sign-in did not complete'),
      error_description: Short('the same in words'),
    },
    { additionalProperties: false },
  ),
  response: { 303: html('signed in: to the section asked for'), 400: pageOrError('the sign-in expired, was refused or cannot be verified: a page offering to start again'), ...REFUSED },
};

export const signOutSchema = {
  consumes: FORM,
  params: TenantParams,
  body: form({}),
  response: { 303: html("the page's session ended: to the tenant's end-session endpoint, which comes back to the account page"), ...REFUSED, 400: pageOrError('a bad form') },
};

export const profilePageSchema = sectionPage('the profile form');
export const profileSchema = sectionForm(
  { name: Type.Optional(Type.String()), given_name: Type.Optional(Type.String()), family_name: Type.Optional(Type.String()) },
  { 200: html('saved: the form again, saying so') },
);

const THROTTLED = { 429: html('too many attempts or mails: the form again, with Retry-After') };

export const emailPageSchema = sectionPage('the address and the form to change it');
export const emailChangeSchema = sectionForm(
  { email: Type.Optional(Type.String()), current_password: Type.Optional(Type.String()) },
  { 200: html('the same answer whether or not the address can be used: a link is on its way if it can'), ...THROTTLED },
);

const Token = Type.String({ maxLength: 200, description: 'the token of the mailed link' });
const UNUSABLE = { 400: pageOrError('the link is invalid, used or expired, or the address was taken meanwhile') };

export const confirmEmailPageSchema = {
  params: TenantParams,
  querystring: Type.Object({ token: Type.Optional(Token) }, { additionalProperties: false }),
  response: { 200: html('a page whose button makes the new address the account\'s'), ...REFUSED, ...UNUSABLE },
};

export const confirmEmailSchema = {
  consumes: FORM,
  params: TenantParams,
  body: form({ token: Type.Optional(Token) }),
  response: { 200: html('the address is changed and confirmed'), ...REFUSED, ...UNUSABLE },
};

export const passwordPageSchema = sectionPage('the form to change the password');
export const passwordChangeSchema = sectionForm(
  {
    username: Type.Optional(Type.String({ description: "the account's address, for password managers; ignored" })),
    current_password: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
  },
  { 200: html('changed: every other session signed out, this one kept'), ...THROTTLED },
);

export const sessionsPageSchema = sectionPage('the sessions of the account');
export const revokeSessionSchema = sectionForm(
  { session: Type.Optional(Type.String({ maxLength: 200, description: 'the id of the session to sign out' })) },
  { 200: html('signed out: the list again'), 404: pageOrError('tenant_not_found, or the session had already ended (the list again)') },
);
export const revokeOtherSessionsSchema = sectionForm({}, { 200: html('every other session signed out: the list again') });

export const appsPageSchema = sectionPage('the apps connected to the account');
export const revokeAppSchema = sectionForm(
  { grant: Type.Optional(Type.String({ maxLength: 200, description: 'the id of the grant to revoke' })) },
  { 200: html('disconnected: the list again'), 404: pageOrError('tenant_not_found, or the app was no longer connected (the list again)') },
);

const FactorId = Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', description: 'the id of one of your factors' });
const CurrentPassword = Type.Optional(Type.String({ description: 'needed unless you signed in moments ago' }));

export const twoFactorPageSchema = sectionPage('the second factors of the account, the recovery codes left, and the forms to change them');
export const twoFactorSetupSchema = sectionForm(
  { current_password: CurrentPassword },
  {
    200: html('a new authenticator app: its QR code, its key and the field for its first code'),
    409: html('the tenant offers no second factors (policy off)'),
    ...THROTTLED,
  },
);

const PasskeyAnswer = Type.Optional(Type.String({ maxLength: 65536, description: 'the WebAuthn credential the browser created, as JSON (filled in by the page script)' }));
const PasskeyLabel = Type.Optional(Type.String({ maxLength: 1000, description: "the passkey's name, 1 to 100 characters" }));
const JsonError = (description: string) => ({
  description,
  content: { 'application/json': { schema: Type.Object({ error: Type.String(), error_description: Type.String() }) } },
});

export const passkeyPageSchema = sectionPage('the form that adds a passkey (the one section page with a script: the browser\'s passkey dialog)');
export const passkeyRegistrationOptionsSchema = {
  consumes: FORM,
  params: TenantParams,
  body: form({ label: PasskeyLabel, current_password: CurrentPassword, response: PasskeyAnswer }),
  response: {
    200: {
      description: 'a fresh challenge for this account session: WebAuthn creation options (their names are the WebAuthn JSON forms)',
      content: { 'application/json': { schema: Type.Object({ options: Type.Object({}, { additionalProperties: true }) }) } },
    },
    303: html("no account session: to the tenant's authorization endpoint"),
    400: JsonError('invalid_password (needed unless signed in moments ago), or a bad form'),
    403: JsonError('invalid_form (CSRF) or tenant_suspended'),
    404: JsonError('tenant_not_found'),
    409: JsonError('passkeys_not_offered (policy off)'),
    429: JsonError('throttled, with Retry-After'),
  },
};
export const passkeyAddSchema = sectionForm(
  { label: PasskeyLabel, current_password: CurrentPassword, response: PasskeyAnswer },
  {
    200: html('added: the section again, or the recovery codes once when it is the first factor'),
    409: html('the passkey is added already, or the tenant offers no second factors'),
  },
);
export const twoFactorConfirmSchema = sectionForm(
  { factor: Type.Optional(FactorId), code: Type.Optional(Type.String({ maxLength: 40, description: 'the code the app shows' })) },
  { 200: html('set up: the recovery codes, once, when the account had none') },
);
export const twoFactorRemoveSchema = sectionForm(
  { factor: Type.Optional(FactorId), current_password: CurrentPassword },
  {
    200: html('removed: the section again'),
    404: pageOrError('tenant_not_found, or the factor was already gone (the section again)'),
    409: html('the tenant requires a factor of this account, and this is its last'),
    ...THROTTLED,
  },
);
export const twoFactorRenameSchema = sectionForm(
  { factor: Type.Optional(FactorId), label: Type.Optional(Type.String({ maxLength: 1000, description: 'the new name, 1 to 100 characters' })) },
  { 200: html('renamed: the section again'), 404: pageOrError('tenant_not_found, or the factor was already gone (the section again)') },
);
export const recoveryCodesSchema = sectionForm({ current_password: CurrentPassword }, { 200: html('ten new recovery codes, shown once; the earlier ones are void'), 409: html('no factor: no recovery codes'), ...THROTTLED });

export const identitiesPageSchema = sectionPage('the accounts at other providers linked to this one, each with an Unlink form');
export const unlinkIdentitySchema = sectionForm(
  {
    identity: Type.Optional(Type.String({ maxLength: 100, description: 'the id of the linked account to unlink' })),
    current_password: Type.Optional(Type.String({ description: 'needed unless you signed in moments ago' })),
  },
  {
    200: html('unlinked: the list again'),
    404: pageOrError('tenant_not_found, or that linked account is gone (the list again)'),
    409: html('the last way to sign in (no password, one linked account): the list again'),
    ...THROTTLED,
  },
);
