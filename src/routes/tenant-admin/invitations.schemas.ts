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
    roles: Type.Array(Type.String(), { description: 'granted on signup' }),
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

export const createInvitationSchema = {
  summary: 'Invite an email address to sign up; the single-use token is in this answer only',
  tags,
  params: TenantParams,
  body: Type.Object(
    {
      email: Type.String({ description: 'the address the invitation is for; the signup must use it' }),
      roles: Type.Optional(Type.Array(Type.String(), { maxItems: 50, description: 'roles granted on signup' })),
      expires_in_days: Type.Optional(
        Type.Integer({ description: `days until the token expires, 1 to ${INVITATION_TTL_DAYS.max} (default ${INVITATION_TTL_DAYS.default})` }),
      ),
    },
    { additionalProperties: false },
  ),
  response: {
    201: Type.Object(
      {
        invitation: Invitation,
        token: Type.String({ description: 'shown this once, stored as SHA-256; the invitee passes it to the signup API' }),
      },
      { additionalProperties: false },
    ),
    ...errorResponses({ ...ADMIN_ERRORS, 400: 'invalid_request, invalid_email, invalid_role or invalid_expiry', 409: 'user_exists' }),
  },
};

export const revokeInvitationSchema = {
  summary: 'Revoke an unused invitation: its token can no longer be redeemed',
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
