import { notFound } from '../../errors.ts';
import type { TenantDb } from '../../db/tenant-database.ts';
import type { TenantScope } from '../../platform/tenant-scope.ts';
import { adminApiIdentifier } from '../apis/admin-api.ts';
import { announceCatalogChange } from '../apis/apis.service.ts';
import { adminGrantHolders } from './admin-api-grants.repository.ts';
import { listGrantedApisOf, lockClient, type ClientRow } from './clients.repository.ts';
import type { ClientState } from './client-view.ts';

/** Clients with their granted APIs, two queries for any number of them; the admin API last. */
export async function clientStatesOf(db: TenantDb, issuer: string, rows: ClientRow[]): Promise<ClientState[]> {
  const ids = rows.map((row) => row.client_id);
  const [granted, admins] = await Promise.all([listGrantedApisOf(db, ids), adminGrantHolders(db, ids)]);
  return rows.map((row) => ({
    row,
    grantedApis: [...(granted.get(row.client_id) ?? []), ...(admins.has(row.client_id) ? [adminApiIdentifier(issuer)] : [])],
  }));
}

export async function clientStateOf(db: TenantDb, issuer: string, row: ClientRow): Promise<ClientState> {
  return (await clientStatesOf(db, issuer, [row]))[0]!;
}

/** A precondition on the client as it is, checked inside the change's transaction (If-Match). */
export type ClientCheck = (current: ClientState) => void;

/**
 * Runs `change` on the client, locked in a transaction, after `check` saw it as it is now; then
 * tells every node to drop the provider that kept the old client (tenant-catalog.ts).
 */
export async function changeClient<T>(
  scope: TenantScope,
  clientId: string,
  check: ClientCheck | undefined,
  change: (trx: TenantDb, current: ClientState) => Promise<T>,
): Promise<T> {
  const result = await scope.db.transaction().execute(async (trx) => {
    const row = await lockClient(trx, clientId);
    if (!row) throw notFound('client', clientId);
    const current = await clientStateOf(trx, scope.issuer, row);
    check?.(current);
    return change(trx, current);
  });
  await announceCatalogChange(scope);
  return result;
}
