import { Type, type TLiteral } from 'typebox';
import { MAIL_STATES, MAIL_TEMPLATE_NAMES, type MailTemplateName } from '../../modules/mail/mail-names.ts';
import type { MailState } from '../../db/schema.ts';
import { NextCursor, TenantId, TenantParams, errorResponses } from '../schemas.ts';
import { ADMIN_ERRORS, AdminPageQuery, IfMatchHeaders, PRECONDITION_FAILED, UuidParam } from './admin-schemas.ts';
import { UserParams } from './users.schemas.ts';

/** Schemas of the mail routes: mailing a user a link (user-mail.routes.ts), the outbox and the templates (mail.routes.ts). */

const Timestamp = Type.String({ format: 'date-time' });
const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T, description: string) => Type.Union([schema, Type.Null()], { description });

/** modules/users/account-mail.ts's SentLink: what `tansu user send-reset --json` prints. */
const SentLink = Type.Object(
  {
    user_id: Type.String(),
    email: Type.String({ description: 'where the link was mailed' }),
    mail_id: Type.String({ description: 'the mail in the outbox (GET /mail)' }),
    expires_at: Type.String({ format: 'date-time', description: 'when the link stops working' }),
  },
  { additionalProperties: false, description: 'the mail is queued; the senders deliver it within seconds, or retry while the SMTP server is away' },
);

export const sendResetSchema = {
  tags: ['users'],
  summary: 'Mail a user a password-reset link (30 minutes, once), as `tansu user send-reset` and the forgot-password page do',
  params: UserParams,
  response: {
    202: SentLink,
    ...errorResponses({ ...ADMIN_ERRORS, 404: 'user_not_found', 409: 'user_disabled: a disabled user gets no link' }),
  },
};

export const sendVerificationSchema = {
  tags: ['users'],
  summary: 'Mail a user a new link to confirm their address, as `tansu user resend-verification` does',
  params: UserParams,
  response: {
    202: SentLink,
    ...errorResponses({ ...ADMIN_ERRORS, 404: 'user_not_found', 409: 'email_already_verified, or user_disabled' }),
  },
};

const State = Type.Union(MAIL_STATES.map((state) => Type.Literal(state)) as [TLiteral<MailState>], {
  description: 'queued (waiting for its time), sending (a sender holds it), sent, failed (given up: see last_error; POST …/retry), logged (no SMTP_URL: its link went to the log)',
});

/** modules/mail/mail-outbox.service.ts's MailView: never the bodies. */
const Mail = Type.Object(
  {
    id: Type.String(),
    to_address: Type.String(),
    template: Type.String({ description: 'the template it was rendered from' }),
    subject: Type.String(),
    state: State,
    attempts: Type.Integer({ description: 'failed delivery attempts so far' }),
    next_attempt_at: Type.String({ format: 'date-time', description: 'queued: not before then; sending: when the sender’s lease ends' }),
    last_error: nullable(Type.String(), "the SMTP server's last refusal, or why the connection failed"),
    created_at: Timestamp,
    sent_at: nullable(Timestamp, 'when it was delivered (or logged)'),
  },
  { additionalProperties: false },
);

const tags = ['mail'];

export const listMailSchema = {
  tags,
  summary: "The tenant's outbox, newest first: recipient, template, state, attempts and last error of each mail (never its text)",
  params: TenantParams,
  querystring: Type.Object(
    {
      state: Type.Optional(State),
      to: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'only mail to this address' })),
      ...AdminPageQuery,
    },
    { additionalProperties: false },
  ),
  response: {
    200: Type.Object({ items: Type.Array(Mail), next_cursor: NextCursor }, { additionalProperties: false, description: 'one page of mail' }),
    ...errorResponses({ ...ADMIN_ERRORS, 400: 'invalid_request, invalid_email, invalid_cursor or invalid_limit' }),
  },
};

export const retryMailSchema = {
  tags,
  summary: 'Queue a failed mail again, its attempts counted from zero, as `tansu mail retry` does',
  params: Type.Object({ tenant: TenantId, mail_id: UuidParam('a mail id') }),
  response: {
    200: Mail,
    ...errorResponses({ ...ADMIN_ERRORS, 404: 'mail_not_found', 409: 'mail_not_failed: only a failed mail is sent again' }),
  },
};

const TemplateName = Type.Union(MAIL_TEMPLATE_NAMES.map((name) => Type.Literal(name)) as [TLiteral<MailTemplateName>], { description: 'which mail' });
const TemplateParams = Type.Object({ tenant: TenantId, name: TemplateName });

/** modules/mail/mail-templates.service.ts's TemplateView. */
const Template = Type.Object(
  {
    name: TemplateName,
    subject: Type.String(),
    text: Type.String({ description: 'the plain-text part' }),
    html: Type.String({ description: 'the HTML part; values are HTML-escaped into it' }),
    overridden: Type.Array(Type.Union([Type.Literal('subject'), Type.Literal('text'), Type.Literal('html')]), {
      description: "the parts that are the tenant's own; the others are the built-in ones",
    }),
  },
  { additionalProperties: false },
);

const PLACEHOLDERS = '{{tenant_name}} {{email}} {{link}} {{expires_in}}';

export const listTemplatesSchema = {
  tags,
  summary: 'Every mail template as the tenant sends it: the built-in one, or the tenant’s own parts over it',
  params: TenantParams,
  response: {
    200: Type.Object({ items: Type.Array(Template, { description: 'all of them, a fixed set' }) }, { additionalProperties: false }),
    ...errorResponses(ADMIN_ERRORS),
  },
};

export const getTemplateSchema = {
  tags,
  summary: 'One mail template (with ETag)',
  params: TemplateParams,
  response: { 200: Template, ...errorResponses({ ...ADMIN_ERRORS, 400: 'invalid_request: no such template' }) },
};

const Part = (what: string) => Type.String({ maxLength: 100_000, description: `${what}; placeholders: ${PLACEHOLDERS}` });

export const putTemplateSchema = {
  tags,
  summary: "Set the tenant's own template: the parts given replace the built-in ones, a part left out (or '') is the built-in one (honours If-Match)",
  params: TemplateParams,
  headers: IfMatchHeaders,
  body: Type.Object(
    {
      subject: Type.Optional(Type.String({ maxLength: 998, description: `one line; placeholders: ${PLACEHOLDERS}` })),
      text: Type.Optional(Part('the plain-text part')),
      html: Type.Optional(Part('the HTML part')),
    },
    { additionalProperties: false },
  ),
  response: {
    200: Template,
    ...errorResponses({ ...ADMIN_ERRORS, ...PRECONDITION_FAILED, 400: 'invalid_request, or invalid_template: a placeholder no mail fills, or a subject of two lines' }),
  },
};

export const deleteTemplateSchema = {
  tags,
  summary: "Drop the tenant's own template: the built-in one applies again (honours If-Match)",
  params: TemplateParams,
  headers: IfMatchHeaders,
  response: {
    204: Type.Null({ description: 'the built-in template applies' }),
    ...errorResponses({ ...ADMIN_ERRORS, ...PRECONDITION_FAILED, 400: 'invalid_request: no such template' }),
  },
};
