import { Type } from 'typebox';
import { NextCursor, TenantParams, errorResponses } from '../schemas.ts';
import { ADMIN_ERRORS, AdminPageQuery, UuidParam } from './admin-schemas.ts';
import { INVITATION_TTL_DAYS } from '../../modules/users/invitation-ttl.ts';

/** Request and answer shapes of the tenant admin API's invitations (invitations.routes.ts). */

const tags = ['invitations'];

/** modules/users/user-view.ts's InvitationView: never the token or its hash. */
export const Invitation = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    roles: Type.Array(Type.String(), { description: 'granted with the account' }),
    expires_at: Type.String({ format: 'date-time' }),
    created_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

const InvitationParams = Type.Object({ tenant: TenantParams.properties.tenant, invitation_id: UuidParam("the invitation's id") });

export const listInvitationsSchema = {
  summary: 'List the pending (unused, unexpired) invitations, oldest first',
  tags,
  params: TenantParams,
  querystring: Type.Object(AdminPageQuery, { additionalProperties: false }),
  response: {
    200: Type.Object({ items: Type.Array(Invitation), next_cursor: NextCursor }, { additionalProperties: false }),
    ...errorResponses({ ...ADMIN_ERRORS, 400: 'invalid_request, invalid_limit or invalid_cursor' }),
  },
};

const ExpiresInDays = Type.Integer({ description: `days until the link expires, 1 to ${INVITATION_TTL_DAYS.max} (default ${INVITATION_TTL_DAYS.default})` });

/** Created or sent again: the invitation and the mail carrying its link (the token is in the mail only). */
const MailedInvitation = Type.Object(
  {
    invitation: Invitation,
    mail_id: Type.String({ description: "the outbox mail carrying the link to the accept page (`tansu mail list` shows its delivery)" }),
  },
  { additionalProperties: false },
);

const THROTTLED = 'rate_limited (too many requests with this token), or throttled: the address had its invitation mails for the hour (with Retry-After)';

export const createInvitationSchema = {
  summary: 'Invite an email address: the invitation and a mail with a link to the accept page, in one transaction',
  tags,
  params: TenantParams,
  body: Type.Object(
    {
      email: Type.String({ description: 'the address the invitation is for: the account gets it, verified' }),
      roles: Type.Optional(Type.Array(Type.String(), { maxItems: 50, description: 'roles granted with the account' })),
      expires_in_days: Type.Optional(ExpiresInDays),
    },
    { additionalProperties: false },
  ),
  response: {
    201: MailedInvitation,
    ...errorResponses({ ...ADMIN_ERRORS, 400: 'invalid_request, invalid_email, invalid_role or invalid_expiry', 409: 'user_exists', 429: THROTTLED }),
  },
};

export const resendInvitationSchema = {
  summary: 'Mail an unused invitation again under a new token: the earlier link stops working',
  tags,
  params: InvitationParams,
  body: Type.Object(
    { expires_in_days: Type.Optional(ExpiresInDays) },
    { additionalProperties: false, description: `optional: no body gives the new link ${INVITATION_TTL_DAYS.default} days from now` },
  ),
  response: {
    200: MailedInvitation,
    ...errorResponses({
      ...ADMIN_ERRORS,
      400: 'invalid_request (invitation_id is no UUID) or invalid_expiry',
      404: 'tenant_not_found or invitation_not_found (never made, or revoked)',
      409: 'invitation_accepted (it was used already), or user_exists (the address has an account now)',
      429: THROTTLED,
    }),
  },
};

export const revokeInvitationSchema = {
  summary: 'Revoke an unused invitation: its link shows that it is no longer valid',
  tags,
  params: InvitationParams,
  response: {
    204: Type.Null({ description: 'the invitation is gone' }),
    ...errorResponses({
      ...ADMIN_ERRORS,
      400: 'invalid_request: invitation_id is no UUID',
      404: 'tenant_not_found or invitation_not_found',
      409: 'invitation_accepted: it was used already',
    }),
  },
};
