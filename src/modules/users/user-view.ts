import type { CreatedUser, UserSummary } from './users.service.ts';
import type { InvitationSummary, MailedInvitation } from './invitations.service.ts';

/**
 * Users and invitations as they leave the process (`tansu … --json` and the tenant admin API):
 * snake_case keys, as every JSON this service writes, and absent values as null.
 */
export interface UserView {
  id: string;
  email: string;
  name: string | null;
  given_name: string | null;
  family_name: string | null;
  email_verified: boolean;
  status: UserSummary['status'];
  roles: string[];
  /** Set while failed sign-ins keep the account refused. */
  locked_until: string | null;
  last_login_at: string | null;
  created_at: string;
}

export function userView(user: UserSummary): UserView {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    given_name: user.givenName,
    family_name: user.familyName,
    email_verified: user.emailVerified,
    status: user.status,
    roles: user.roles,
    locked_until: user.lockedUntil,
    last_login_at: user.lastLoginAt,
    created_at: user.createdAt,
  };
}

/** A created user; `password` only when it was generated (shown this once), as for a tenant's admin. */
export function createdUserView(created: CreatedUser): { user: UserView; password?: string } {
  return { user: userView(created.user), ...(created.generatedPassword === undefined ? {} : { password: created.generatedPassword }) };
}

export interface InvitationView {
  id: string;
  email: string;
  roles: string[];
  expires_at: string;
  created_at: string;
}

export function invitationView(invitation: InvitationSummary): InvitationView {
  return { id: invitation.id, email: invitation.email, roles: invitation.roles, expires_at: invitation.expiresAt, created_at: invitation.createdAt };
}

/** An invitation just mailed (created or sent again): the outbox row to follow, never the token. */
export function mailedInvitationView(mailed: MailedInvitation): { invitation: InvitationView; mail_id: string } {
  return { invitation: invitationView(mailed.invitation), mail_id: mailed.mailId };
}
