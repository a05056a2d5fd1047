import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { AppError, notFound } from '../../errors.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { adminApiIdentifier } from '../apis/admin-api.ts';
import { lockClient } from './clients.repository.ts';
import { deleteAdminApiGrant, insertAdminApiGrant } from './admin-api-grants.repository.ts';

/**
 * Grants of the built-in admin API (modules/apis/admin-api.ts) to machine clients, reached through
 * `client grant-api` / `client revoke-api` with `<issuer>/admin` like any other API. Granted, a
 * client may ask for any admin scope; it gets only those it asks for.
 */

/** Whether `identifier` names the tenant's admin API under the issuer the platform serves now. */
export function isAdminApi(scope: Pick<TenantScope, 'issuer'>, identifier: string): boolean {
  return identifier === adminApiIdentifier(scope.issuer);
}

export async function grantAdminApi(scope: TenantScope, clientId: string, identifier: string, actor: Actor) {
  const changed = await scope.db.transaction().execute(async (trx) => {
    const client = await lockClient(trx, clientId);
    if (!client) throw notFound('client', clientId);
    if (!client.grant_types.includes('client_credentials')) {
      throw new AppError('client_credentials_not_enabled', `client "${clientId}" does not use client_credentials, the only grant that API grants apply to`);
    }
    const inserted = await insertAdminApiGrant(trx, clientId);
    if (inserted) await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'client.api_granted', target: clientId, details: { api: identifier } });
    return inserted;
  });
  if (changed) await scope.announce('clients');
  return { client_id: clientId, api: identifier, changed };
}

/** New tokens are refused at once, and so are issued ones: the admin API checks the grant on every call. */
export async function revokeAdminApi(scope: TenantScope, clientId: string, identifier: string, actor: Actor) {
  await scope.db.transaction().execute(async (trx) => {
    if (!(await lockClient(trx, clientId))) throw notFound('client', clientId);
    if (!(await deleteAdminApiGrant(trx, clientId))) {
      throw new AppError('api_grant_not_found', `client "${clientId}" has no grant for API "${identifier}"`, 404);
    }
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'client.api_revoked', target: clientId, details: { api: identifier } });
  });
  await scope.announce('clients');
  return { client_id: clientId, api: identifier, changed: true };
}
