import { Type } from 'typebox';
import { NextCursor, TenantParams, TenantId, errorResponses } from '../schemas.ts';
import { ADMIN_ERRORS, AdminPageQuery, IfMatchHeaders, PRECONDITION_FAILED } from './admin-schemas.ts';

/** The users resource of the tenant admin API: schemas of users.routes.ts and user-sessions.routes.ts. */

const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T, description: string) =>
  Type.Union([schema, Type.Null()], { description });

const Timestamp = Type.String({ format: 'date-time' });

/** modules/users/user-view.ts's UserView. */
export const User = Type.Object(
  {
    id: Type.String({ description: 'the user id (the `sub` of their tokens)' }),
    email: Type.String(),
    name: nullable(Type.String(), 'display name'),
    given_name: nullable(Type.String(), 'given name'),
    family_name: nullable(Type.String(), 'family name'),
    email_verified: Type.Boolean(),
    status: Type.Union([Type.Literal('active'), Type.Literal('disabled')], { description: 'a disabled user cannot sign in' }),
    roles: Type.Array(Type.String()),
    locked_until: nullable(Timestamp, 'while failed sign-ins slow the account down'),
    last_login_at: nullable(Timestamp, 'the last successful sign-in'),
    created_at: Timestamp,
  },
  { additionalProperties: false },
);

export const UserParams = Type.Object({
  tenant: TenantId,
  user_id: Type.String({ minLength: 1, maxLength: 64, description: 'a user id' }),
});

const tagged = { tags: ['users'] };
const STATUS = Type.Union([Type.Literal('active'), Type.Literal('disabled')]);
const RoleNames = Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100, description: 'role names; each is created if the tenant lacks it' });
const NameField = (what: string) => Type.Union([Type.String({ maxLength: 1000 }), Type.Null()], { description: `${what}; null clears it` });
const Password = Type.String({ maxLength: 4096, description: '10 or more characters, not the email; omitted: one is generated and answered once' });

/** Invalid values the services refuse with their own codes (users.service.ts). */
const INVALID_USER = 'invalid_request, invalid_email, invalid_name, invalid_role or weak_password';

export const listUsersSchema = {
  ...tagged,
  summary: "List the tenant's users, by email, with search",
  params: TenantParams,
  querystring: Type.Object(
    {
      email: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'part of the email, case-insensitively' })),
      name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'part of the name, given or family name, case-insensitively' })),
      role: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'only users holding this role' })),
      status: Type.Optional(STATUS),
      ...AdminPageQuery,
    },
    { additionalProperties: false },
  ),
  response: {
    200: Type.Object({ items: Type.Array(User), next_cursor: NextCursor }, { additionalProperties: false, description: 'one page of users' }),
    ...errorResponses({ ...ADMIN_ERRORS, 400: 'invalid_request, invalid_cursor or invalid_limit' }),
  },
};

export const getUserSchema = {
  ...tagged,
  summary: 'One user (with ETag)',
  params: UserParams,
  response: {
    200: User,
    ...errorResponses({ ...ADMIN_ERRORS, 404: 'user_not_found (or tenant_not_found)' }),
  },
};

const CreatedUser = Type.Object(
  { user: User, password: Type.Optional(Type.String({ description: 'only when generated: shown this once' })) },
  { additionalProperties: false },
);

export const createUserSchema = {
  ...tagged,
  summary: 'Create a user, as `tansu user create` does',
  params: TenantParams,
  body: Type.Object(
    {
      email: Type.String({ maxLength: 1000 }),
      password: Type.Optional(Password),
      name: Type.Optional(Type.String({ maxLength: 1000 })),
      roles: Type.Optional(RoleNames),
      email_verified: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
  response: {
    201: CreatedUser,
    ...errorResponses({ ...ADMIN_ERRORS, 400: INVALID_USER, 409: 'user_exists: the email is taken' }),
  },
};

export const updateUserSchema = {
  ...tagged,
  summary: "Change a user's profile and roles",
  params: UserParams,
  headers: IfMatchHeaders,
  body: Type.Object(
    {
      email: Type.Optional(Type.String({ maxLength: 1000, description: 'a new email is unverified unless email_verified says otherwise' })),
      email_verified: Type.Optional(Type.Boolean()),
      name: Type.Optional(NameField('display name')),
      given_name: Type.Optional(NameField('given name')),
      family_name: Type.Optional(NameField('family name')),
      roles: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100, description: 'the roles from now on: roles not named are taken away' })),
    },
    { additionalProperties: false },
  ),
  response: {
    200: User,
    ...errorResponses({
      ...ADMIN_ERRORS,
      ...PRECONDITION_FAILED,
      400: INVALID_USER,
      404: 'user_not_found',
      409: 'user_exists: the new email is taken; self_lockout: your own TenantAdmin role',
    }),
  },
};

export const deleteUserSchema = {
  ...tagged,
  summary: 'Delete a user; their sessions, grants and tokens die with them',
  params: UserParams,
  headers: IfMatchHeaders,
  response: {
    204: Type.Null({ description: 'the user is gone' }),
    ...errorResponses({ ...ADMIN_ERRORS, ...PRECONDITION_FAILED, 404: 'user_not_found', 409: 'self_lockout: your own account' }),
  },
};

export const userStatusSchema = (action: 'disable' | 'enable') => ({
  ...tagged,
  summary:
    action === 'disable'
      ? 'Disable a user: sign-in is refused, and their sessions, grants and refresh tokens die at once'
      : 'Enable a disabled user (what disabling revoked stays revoked)',
  params: UserParams,
  response: {
    200: User,
    ...(action === 'disable'
      ? errorResponses({ ...ADMIN_ERRORS, 404: 'user_not_found', 409: 'self_lockout: your own account' })
      : errorResponses({ ...ADMIN_ERRORS, 404: 'user_not_found' })),
  },
});

export const setPasswordSchema = {
  ...tagged,
  summary: "Set a user's password; signs them out everywhere, as a reset does",
  params: UserParams,
  body: Type.Object({ password: Type.Optional(Password) }, { additionalProperties: false }),
  response: {
    200: CreatedUser,
    ...errorResponses({ ...ADMIN_ERRORS, 400: 'invalid_request or weak_password', 404: 'user_not_found' }),
  },
};

const Session = Type.Object(
  {
    id: Type.String({ description: "the session's id (not its cookie)" }),
    signed_in_at: nullable(Timestamp, 'when the user signed in'),
    amr: Type.Array(Type.String(), { description: 'how they signed in, e.g. pwd, or fed through a connection' }),
    idp: nullable(Type.String(), 'the connection they signed in through; null for any other sign-in'),
    client_ids: Type.Array(Type.String(), { description: 'the clients signed in to in this session' }),
    expires_at: nullable(Timestamp, 'when the session ends by itself'),
  },
  { additionalProperties: false },
);

const Grant = Type.Object(
  {
    id: Type.String(),
    client_id: Type.String(),
    client_name: nullable(Type.String(), 'null when the client was deleted since'),
    scopes: Type.Array(Type.String(), { description: 'OpenID scopes consented to' }),
    apis: Type.Array(Type.Object({ identifier: Type.String(), scopes: Type.Array(Type.String()) }, { additionalProperties: false }), {
      description: 'API scopes consented to, per API',
    }),
    created_at: Timestamp,
    expires_at: nullable(Timestamp, 'when the grant ends by itself'),
  },
  { additionalProperties: false },
);

const LoginAttempt = Type.Object(
  {
    id: Type.String(),
    occurred_at: Timestamp,
    ip: Type.String(),
    succeeded: Type.Boolean(),
    reason: nullable(Type.String(), 'signed_in, invalid_credentials, throttled, signup, …'),
    known_device: Type.Boolean({ description: 'the browser showed the device cookie of an earlier sign-in' }),
    connection: nullable(Type.String(), 'the upstream connection a sign-in came through; null for the password'),
  },
  { additionalProperties: false },
);

const pageOf = <T extends Parameters<typeof Type.Array>[0]>(item: T, description: string) =>
  Type.Object({ items: Type.Array(item), next_cursor: NextCursor }, { additionalProperties: false, description });

const userListQuery = Type.Object({ ...AdminPageQuery }, { additionalProperties: false });

export const listSessionsSchema = {
  ...tagged,
  summary: "A user's live sessions (signed-in browsers), newest sign-in first",
  params: UserParams,
  querystring: userListQuery,
  response: {
    200: pageOf(Session, 'one page of sessions'),
    ...errorResponses({ ...ADMIN_ERRORS, 400: 'invalid_request, invalid_cursor or invalid_limit', 404: 'user_not_found' }),
  },
};

export const revokeSessionSchema = {
  ...tagged,
  summary: 'Sign a user out of one session; the tokens issued in it die too',
  params: Type.Object({ ...UserParams.properties, session_id: Type.String({ minLength: 1, maxLength: 64 }) }),
  response: {
    204: Type.Null({ description: 'the session is gone' }),
    ...errorResponses({ ...ADMIN_ERRORS, 404: 'user_not_found or session_not_found' }),
  },
};

export const listGrantsSchema = {
  ...tagged,
  summary: 'The apps a user consented to, newest first',
  params: UserParams,
  querystring: userListQuery,
  response: {
    200: pageOf(Grant, 'one page of grants'),
    ...errorResponses({ ...ADMIN_ERRORS, 400: 'invalid_request, invalid_cursor or invalid_limit', 404: 'user_not_found' }),
  },
};

export const revokeGrantSchema = {
  ...tagged,
  summary: "Withdraw a user's consent for one app; its codes and tokens die too",
  params: Type.Object({ ...UserParams.properties, grant_id: Type.String({ minLength: 1, maxLength: 64 }) }),
  response: {
    204: Type.Null({ description: 'the grant is gone' }),
    ...errorResponses({ ...ADMIN_ERRORS, 404: 'user_not_found or grant_not_found' }),
  },
};

export const loginActivitySchema = {
  ...tagged,
  summary: "A user's sign-in attempts, newest first",
  params: UserParams,
  querystring: userListQuery,
  response: {
    200: pageOf(LoginAttempt, 'one page of sign-in attempts'),
    ...errorResponses({ ...ADMIN_ERRORS, 400: 'invalid_request, invalid_cursor or invalid_limit', 404: 'user_not_found' }),
  },
};
