import { sql, type RawBuilder } from 'kysely';
import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';
import type { TenantDb } from '../db/tenant-database.ts';

/**
 * oidc-provider's storage for one tenant: every model (sessions, interactions, codes, grants,
 * tokens, replay detection, …) in the tenant's own `oidc_payloads` table. The `Client` model is
 * served separately, read-only, from the clients table (see `clientAdapter`).
 */
class PayloadAdapter implements Adapter {
  readonly #db: TenantDb;
  readonly #model: string;

  constructor(db: TenantDb, model: string) {
    this.#db = db;
    this.#model = model;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    // oidc-provider may save a model without a lifetime; such a row never expires by itself.
    const expiresAt = typeof expiresIn === 'number' ? new Date(Date.now() + expiresIn * 1000) : null;
    const json = JSON.stringify(payload);
    await this.#db
      .insertInto('oidc_payloads')
      .values({ model: this.#model, id, payload: json, expires_at: expiresAt })
      .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet({ payload: json, expires_at: expiresAt, consumed_at: null }))
      .execute();
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.#findWhere(sql<boolean>`id = ${id}`);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#findWhere(sql<boolean>`payload ? 'uid' AND payload->>'uid' = ${uid}`);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#findWhere(sql<boolean>`payload ? 'userCode' AND payload->>'userCode' = ${userCode}`);
  }

  async consume(id: string): Promise<void> {
    await this.#db
      .updateTable('oidc_payloads')
      .set({ consumed_at: sql`now()` })
      .where('model', '=', this.#model)
      .where('id', '=', id)
      .execute();
  }

  async destroy(id: string): Promise<void> {
    await this.#db.deleteFrom('oidc_payloads').where('model', '=', this.#model).where('id', '=', id).execute();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.#db
      .deleteFrom('oidc_payloads')
      .where('model', '=', this.#model)
      .where(sql<boolean>`payload ? 'grantId' AND payload->>'grantId' = ${grantId}`)
      .execute();
  }

  async #findWhere(condition: RawBuilder<boolean>): Promise<AdapterPayload | undefined> {
    const row = await this.#db
      .selectFrom('oidc_payloads')
      .select(['payload', 'consumed_at'])
      .where('model', '=', this.#model)
      .where(condition)
      // Expired rows stay until the cleanup runs, but they are already gone for the provider.
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
      .executeTakeFirst();
    if (!row) return undefined;
    const payload = row.payload as unknown as AdapterPayload;
    return row.consumed_at ? { ...payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : payload;
  }
}

/**
 * The adapter factory for one tenant's provider. `findClient` answers the read-only `Client`
 * model from the tenant's clients table.
 */
export function createAdapterFactory(db: TenantDb, findClient: (clientId: string) => Promise<AdapterPayload | undefined>): AdapterFactory {
  const clientAdapter: Adapter = {
    find: findClient,
    async upsert() {
      throw new Error('clients are managed by tansu, not by the provider');
    },
    async findByUid() {
      return undefined;
    },
    async findByUserCode() {
      return undefined;
    },
    async consume() {},
    async destroy() {
      throw new Error('clients are managed by tansu, not by the provider');
    },
    async revokeByGrantId() {},
  };
  return (model: string) => (model === 'Client' ? clientAdapter : new PayloadAdapter(db, model));
}

/** Deletes expired rows of every model; returns how many went. */
export async function deleteExpiredPayloads(db: TenantDb, batchSize = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await sql<{ count: string }>`
      WITH doomed AS (
        SELECT model, id FROM oidc_payloads WHERE expires_at < now() LIMIT ${batchSize}
      )
      DELETE FROM oidc_payloads p USING doomed d WHERE p.model = d.model AND p.id = d.id
    `.execute(db);
    const deleted = Number(result.numAffectedRows ?? 0n);
    total += deleted;
    if (deleted < batchSize) return total;
  }
}
