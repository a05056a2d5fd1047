import type { Account, FindAccount } from 'oidc-provider';
import type { TenantDb } from '../db/tenant-database.ts';
import { findUserById, rolesOf } from '../modules/users/users.repository.ts';

/**
 * Claims by scope; `roles` is our own scope for the user's tenant roles. `amr` and `acr` ride on
 * `openid`: oidc-provider copies a sign-in's amr and acr (oidc/sign-in.ts) into every ID token it
 * issues from the session, a code or a refresh token, but keeps only claims a granted scope
 * names, so without this the code flow's ID tokens dropped them while the password grant's
 * carried them. Userinfo never shows them: an account's own claims have neither.
 */
export const CLAIMS_BY_SCOPE = {
  openid: ['sub', 'amr', 'acr'],
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name'],
  roles: ['roles'],
} as const;

/**
 * findAccount only loads claims (docs/architecture.md#field-notes): passwords are checked by the login route. A
 * disabled or deleted user has no account, so its refresh tokens and sessions stop working.
 */
export function createFindAccount(db: TenantDb): FindAccount {
  return async (_ctx, sub): Promise<Account | undefined> => {
    const user = await findUserById(db, sub);
    if (!user || user.status !== 'active') return undefined;
    return {
      accountId: user.id,
      async claims(_use, scope) {
        const scopes = new Set(scope.split(' '));
        return {
          sub: user.id,
          email: user.email,
          email_verified: user.email_verified,
          name: user.name ?? undefined,
          given_name: user.given_name ?? undefined,
          family_name: user.family_name ?? undefined,
          // One query, only when the roles can be released.
          ...(scopes.has('roles') ? { roles: await rolesOf(db, user.id) } : {}),
        };
      },
    };
  };
}
