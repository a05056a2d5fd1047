import { Type, type TProperties } from 'typebox';
import { HtmlPage, TenantParams, pageOrError } from '../schemas.ts';

/**
 * The account pages' contracts. Like the sign-in pages, their forms post
 * `application/x-www-form-urlencoded` (parsed into strings) and a field the page does not have is
 * refused; a missing or wrong `csrf` is answered by the route (403 invalid_form). Every answer is
 * an HTML page; a refusal is JSON for a client that prefers it (error-answer.ts).
 */
const FORM = ['application/x-www-form-urlencoded'];

const html = (description: string) => ({ description, content: { 'text/html': { schema: HtmlPage } } });

/** The sign-in the page was opened from: an interaction uid, carried so the person can return. */
const Interaction = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'the uid of the sign-in (interaction) to return to' });
/** A mailed link's token; its shape is judged by the service (a wrong one is just an unusable link). */
const Token = Type.String({ maxLength: 200, description: 'the token of the mailed link' });

function form(fields: TProperties) {
  return Type.Object({ csrf: Type.Optional(Type.String({ description: 'the token the page was served with' })), ...fields }, { additionalProperties: false });
}

const REFUSED = {
  403: pageOrError('invalid_form (the form did not come from this site), or the tenant is suspended'),
  404: pageOrError('tenant_not_found'),
};

const FORM_REFUSED = {
  ...REFUSED,
  400: pageOrError('a bad form (`invalid_request`), or the page again saying what to correct'),
};

const THROTTLED = { 429: html('too many requests for mail from this address or network: the form again, with Retry-After') };

export const signupPageSchema = {
  params: TenantParams,
  querystring: Type.Object(
    {
      interaction: Type.Optional(Interaction),
      invitation: Type.Optional(Type.String({ maxLength: 200, description: 'an invitation code to prefill' })),
    },
    { additionalProperties: false },
  ),
  response: { 200: html('the signup form'), ...REFUSED, 403: pageOrError('signup is disabled at this tenant, or the tenant is suspended') },
};

export const signupSchema = {
  consumes: FORM,
  params: TenantParams,
  body: form({
    email: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    invitation: Type.Optional(Type.String()),
    interaction: Type.Optional(Interaction),
  }),
  response: {
    200: html('the same page for a new and a taken address: check your mail, then continue signing in'),
    ...FORM_REFUSED,
    403: pageOrError('invalid_form, signup disabled, or the tenant is suspended'),
    429: html('too many signups from this network: the form again, with Retry-After'),
  },
};

const EmailRequestQuery = Type.Object(
  { interaction: Type.Optional(Interaction), email: Type.Optional(Type.String({ maxLength: 320, description: 'an address to prefill' })) },
  { additionalProperties: false },
);

export const forgotPasswordPageSchema = {
  params: TenantParams,
  querystring: EmailRequestQuery,
  response: { 200: html('the form asking for the address'), ...REFUSED },
};

export const forgotPasswordSchema = {
  consumes: FORM,
  params: TenantParams,
  body: form({ email: Type.Optional(Type.String()), interaction: Type.Optional(Interaction) }),
  response: { 200: html('the same page for every address: a link is on its way if it has an account'), ...FORM_REFUSED, ...THROTTLED },
};

export const resendVerificationPageSchema = forgotPasswordPageSchema;

export const resendVerificationSchema = {
  ...forgotPasswordSchema,
  response: { 200: html('the same page for every address: a new link is on its way if it needs one'), ...FORM_REFUSED, ...THROTTLED },
};

const LinkQuery = Type.Object({ token: Type.Optional(Token) }, { additionalProperties: false });

const UNUSABLE = { 400: pageOrError('the link is invalid, used or expired: a page offering a new one') };

export const resetPasswordPageSchema = {
  params: TenantParams,
  querystring: LinkQuery,
  response: { 200: html('the new-password form'), ...REFUSED, ...UNUSABLE },
};

export const resetPasswordSchema = {
  consumes: FORM,
  params: TenantParams,
  body: form({ token: Type.Optional(Token), password: Type.Optional(Type.String()) }),
  response: {
    200: html('the password is changed and the account signed out everywhere'),
    ...REFUSED,
    400: pageOrError('a bad form, a password the policy refuses (the form again), or an unusable link'),
  },
};

export const verifyEmailPageSchema = {
  params: TenantParams,
  querystring: LinkQuery,
  response: { 200: html('a page whose button confirms the address'), ...REFUSED, ...UNUSABLE },
};

export const verifyEmailSchema = {
  consumes: FORM,
  params: TenantParams,
  body: form({ token: Type.Optional(Token) }),
  response: { 200: html('the address is confirmed'), ...REFUSED, ...UNUSABLE },
};

/** An invitation's token: judged by the service (a wrong one is just a link that cannot be used). */
const InvitationToken = Type.String({ maxLength: 200, description: 'the token of the mailed invitation link' });

const INVITATION_REFUSED = {
  400: pageOrError('the link is unknown, revoked or replaced by a resend (a page saying so); or a bad form'),
  409: html('the address has an account already: a page saying so'),
  410: html('the invitation was accepted already, or has expired: a page saying so'),
};

export const acceptInvitationPageSchema = {
  params: TenantParams,
  querystring: Type.Object({ token: Type.Optional(InvitationToken) }, { additionalProperties: false }),
  response: { 200: html('the invited address, and a form for a name and a password'), ...REFUSED, ...INVITATION_REFUSED },
};

export const acceptInvitationSchema = {
  consumes: FORM,
  params: TenantParams,
  body: form({ token: Type.Optional(InvitationToken), name: Type.Optional(Type.String()), password: Type.Optional(Type.String()) }),
  response: {
    200: html('the account is ready: its address verified, the invitation used'),
    ...REFUSED,
    ...INVITATION_REFUSED,
    400: pageOrError('a password or name the rules refuse (the form again), an unusable link, or a bad form'),
  },
};
