import type { TenantDb } from '../db/tenant-database.ts';

/**
 * What a copy of a tenant (a backup restored under another id) must not inherit from the
 * original: everything that lets someone in without signing in again (oidc-provider's sessions,
 * grants, codes and tokens, opaque access and refresh tokens included, all in `oidc_payloads`),
 * pending invitations (their tokens would sign up at both), the original's login activity
 * (attempts, lockouts, last sign-in), its outbox (unsent mail carries the original's links,
 * and would go out a second time from the copy), and trips to upstream providers under way.
 * Users, clients, APIs, connections, settings, mail templates and the audit trail stay.
 * Runs on the restored database before it is registered, so no request can see it half done.
 */
export async function deleteInheritedActivity(db: TenantDb): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('oidc_payloads').execute();
    // Trips to upstream providers belong to interactions that are gone with the rows above.
    await trx.deleteFrom('upstream_sign_ins').execute();
    await trx.deleteFrom('invitations').execute();
    await trx.deleteFrom('login_attempts').execute();
    await trx.deleteFrom('mail_outbox').execute();
    await trx.updateTable('users').set({ failed_login_count: 0, locked_until: null, last_login_at: null }).execute();
  });
}
