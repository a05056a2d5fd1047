import type { SecretBox } from '../../crypto/secret-box.ts';
import type { TenantDb } from '../../db/tenant-database.ts';
import { secretContext } from './connection.ts';
import { listSealedSecrets, replaceSealedSecret } from './connections.repository.ts';

/**
 * A tenant restored under another id keeps its connections, but their secrets are sealed to the
 * original's id (connection.ts, secretContext) and would not open at the copy: they are opened
 * and sealed again under the copy's id. The providers still know only the original's redirect URI,
 * so the copy's admin registers the copy's at each before its buttons work. Returns how many.
 */
export async function resealConnectionSecrets(db: TenantDb, secrets: SecretBox, from: string, to: string): Promise<number> {
  const rows = await listSealedSecrets(db);
  for (const row of rows) {
    const secret = secrets.open(row.client_secret_encrypted, secretContext({ id: from }, row.id));
    await replaceSealedSecret(db, row.id, secrets.seal(secret, secretContext({ id: to }, row.id)));
  }
  return rows.length;
}
