import type { TenantScope } from '../../platform/tenant-scope.ts';
import { AppError, notFound } from '../../errors.ts';
import { adminApiIdentifier } from '../apis/admin-api.ts';
import { findClient } from './clients.repository.ts';
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

async function findMachineClient(scope: TenantScope, clientId: string) {
  const client = await findClient(scope.db, clientId);
  if (!client) throw notFound('client', clientId);
  if (!client.grant_types.includes('client_credentials')) {
    throw new AppError('client_credentials_not_enabled', `client "${clientId}" does not use client_credentials, the only grant that API grants apply to`);
  }
  return client;
}

export async function grantAdminApi(scope: TenantScope, clientId: string, identifier: string) {
  const client = await findMachineClient(scope, clientId);
  const changed = await insertAdminApiGrant(scope.db, client.client_id);
  if (changed) await scope.announce('clients');
  return { client_id: client.client_id, api: identifier, changed };
}

/** New tokens are refused at once, and so are issued ones: the admin API checks the grant on every call. */
export async function revokeAdminApi(scope: TenantScope, clientId: string, identifier: string) {
  const client = await findClient(scope.db, clientId);
  if (!client) throw notFound('client', clientId);
  if (!(await deleteAdminApiGrant(scope.db, client.client_id))) {
    throw new AppError('api_grant_not_found', `client "${clientId}" has no grant for API "${identifier}"`, 404);
  }
  await scope.announce('clients');
  return { client_id: client.client_id, api: identifier, changed: true };
}
