import { CompiledQuery, sql, type Compilable, type ExpressionBuilder, type Kysely } from 'kysely';
import { errors, type Adapter, type AdapterFactory, type AdapterPayload } from 'oidc-provider';
import type { TenantDb } from '../db/tenant-database.ts';
import type { TenantDatabase } from '../db/schema.ts';
import { compileOnlyKysely } from '../db/postgres.ts';

/** A compiled statement waiting for its named values. */
type Precompiled<K extends string> = (values: Record<K, unknown>) => CompiledQuery;

/** Tenant databases share one schema, so one SQL text serves them all. */
const compiler = compileOnlyKysely<TenantDatabase>();

const MARK = '\u0000tansu-bind:';

/**
 * Builds a statement with the query builder and compiles it once, each named value marked; a call
 * only binds its values where the marks were. oidc-provider calls its adapter for every step of a
 * sign-in (about twenty statements per login), and building and compiling the query each time
 * cost ≈ 60 µs of a worker's CPU per statement (BENCHMARKS.md).
 */
function precompile<K extends string>(build: (db: Kysely<TenantDatabase>, value: (name: K) => never) => Compilable): Precompiled<K> {
  const { sql: text, parameters } = build(compiler, (name) => `${MARK}${name}` as never).compile();
  // Values the builder bound itself (a null, say) stay as they are.
  const slots = parameters.map((p): { name: K } | { constant: unknown } =>
    typeof p === 'string' && p.startsWith(MARK) ? { name: p.slice(MARK.length) as K } : { constant: p },
  );
  return (values) => CompiledQuery.raw(text, slots.map((slot) => ('name' in slot ? values[slot.name] : slot.constant)));
}

const notExpired = (eb: ExpressionBuilder<TenantDatabase, 'oidc_payloads'>) =>
  // Expired rows stay until the cleanup runs, but they are already gone for the provider.
  eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]);

/** The payload has `field` and it equals `value` (the key is ours, never a caller's). */
const payloadFieldIs = (field: 'uid' | 'userCode' | 'grantId', value: unknown) =>
  sql<boolean>`payload ? ${sql.lit(field)} AND payload->>${sql.lit(field)} = ${value}`;

const findByPayloadField = (field: 'uid') =>
  precompile<'model' | 'value'>((db, value) =>
    db.selectFrom('oidc_payloads').select(['payload', 'consumed_at']).where('model', '=', value('model')).where(payloadFieldIs(field, value('value'))).where(notExpired),
  );

/**
 * Device codes are found even once expired, until the cleanup deletes them: oidc-provider checks
 * their expiry itself (it asks with `ignoreExpiration` and then looks), and so answers the device
 * RFC 8628's `expired_token` and tells the person at the code page that the code expired, where a
 * hidden row would make both "not found". Only device codes have user codes; should an expired
 * one share its user code with a live one, the live one comes first.
 */
const MODELS_FOUND_EXPIRED: ReadonlySet<string> = new Set(['DeviceCode']);

/** What oidc-provider deletes when it revokes a grant (helpers/revoke.js), the Grant itself aside. */
const GRANT_TOKEN_MODELS = ['AccessToken', 'RefreshToken', 'AuthorizationCode', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode'] as const;

/** How oidc-provider names each single-use model in its "already consumed" errors. */
const SINGLE_USE_LABELS: Record<string, string> = {
  AuthorizationCode: 'authorization code',
  RefreshToken: 'refresh token',
  DeviceCode: 'device code',
  BackchannelAuthenticationRequest: 'backchannel authentication request',
  PreAuthorizedCode: 'pre-authorized code',
};

const STATEMENTS = {
  upsert: precompile<'model' | 'id' | 'payload' | 'expiresAt'>((db, value) =>
    db
      .insertInto('oidc_payloads')
      .values({ model: value('model'), id: value('id'), payload: value('payload'), expires_at: value('expiresAt') })
      // Never touches consumed_at: a consumed code or refresh token stays consumed whatever is saved over it.
      .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet({ payload: value('payload'), expires_at: value('expiresAt') })),
  ),
  find: precompile<'model' | 'id'>((db, value) =>
    db.selectFrom('oidc_payloads').select(['payload', 'consumed_at']).where('model', '=', value('model')).where('id', '=', value('id')).where(notExpired),
  ),
  findEvenExpired: precompile<'model' | 'id'>((db, value) =>
    db.selectFrom('oidc_payloads').select(['payload', 'consumed_at']).where('model', '=', value('model')).where('id', '=', value('id')),
  ),
  findByUid: findByPayloadField('uid'),
  findByUserCode: precompile<'model' | 'value'>((db, value) =>
    db
      .selectFrom('oidc_payloads')
      .select(['payload', 'consumed_at'])
      .where('model', '=', value('model'))
      .where(payloadFieldIs('userCode', value('value')))
      .orderBy(sql`expires_at > now()`, 'desc')
      .limit(1),
  ),
  consume: precompile<'model' | 'id'>((db, value) =>
    db
      .updateTable('oidc_payloads')
      .set({ consumed_at: sql`now()` })
      .where('model', '=', value('model'))
      .where('id', '=', value('id'))
      .where('consumed_at', 'is', null)
      .returning('id'),
  ),
  grantIdOf: precompile<'model' | 'id'>((db, value) =>
    db.selectFrom('oidc_payloads').select(sql<string | null>`payload->>'grantId'`.as('grant_id')).where('model', '=', value('model')).where('id', '=', value('id')),
  ),
  revokeGrant: precompile<'grantId'>((db, value) =>
    db
      .deleteFrom('oidc_payloads')
      .where((eb) =>
        eb.or([
          eb.and([eb('model', 'in', [...GRANT_TOKEN_MODELS]), payloadFieldIs('grantId', value('grantId'))]),
          eb.and([eb('model', '=', 'Grant'), eb('id', '=', value('grantId'))]),
        ]),
      ),
  ),
  destroy: precompile<'model' | 'id'>((db, value) => db.deleteFrom('oidc_payloads').where('model', '=', value('model')).where('id', '=', value('id'))),
  revokeByGrantId: precompile<'model' | 'value'>((db, value) =>
    db.deleteFrom('oidc_payloads').where('model', '=', value('model')).where(payloadFieldIs('grantId', value('value'))),
  ),
  /** A row unless a live one holds the key: an expired row not cleaned up yet is taken over. */
  insertUnlessLive: precompile<'model' | 'id' | 'payload' | 'expiresAt'>((db, value) =>
    db
      .insertInto('oidc_payloads')
      .values({ model: value('model'), id: value('id'), payload: value('payload'), expires_at: value('expiresAt') })
      .onConflict((oc) =>
        oc
          .columns(['model', 'id'])
          .doUpdateSet({ payload: value('payload'), expires_at: value('expiresAt'), consumed_at: null })
          .where('oidc_payloads.expires_at', '<=', sql<Date>`now()`),
      )
      .returning('id'),
  ),
};

interface PayloadRow {
  payload: AdapterPayload;
  consumed_at: Date | null;
}

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
    await this.#db.executeQuery(STATEMENTS.upsert({ model: this.#model, id, payload: JSON.stringify(payload), expiresAt }));
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    const statement = MODELS_FOUND_EXPIRED.has(this.#model) ? STATEMENTS.findEvenExpired : STATEMENTS.find;
    return this.#first(statement({ model: this.#model, id }));
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#first(STATEMENTS.findByUid({ model: this.#model, value: uid }));
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#first(STATEMENTS.findByUserCode({ model: this.#model, value: userCode }));
  }

  /**
   * Consumes a code, refresh token, device code or pushed request, once. oidc-provider reads the
   * row, checks `consumed`, and only then calls this: two requests with the same code both pass
   * the check, and with a plain UPDATE both would get tokens (and both rotated refresh-token
   * chains would live on). The UPDATE only takes a row nobody consumed yet, and PostgreSQL's row
   * lock decides the race: the loser updates nothing. The loser is a replay, so it is answered as
   * oidc-provider answers one it sees itself (helpers/grant_source.js, refresh_token.js): the
   * whole grant is revoked and the request gets `invalid_grant`. The error is thrown from here
   * because the provider awaits this inside its grant handler, whose errors its token endpoint
   * renders as RFC 6749 JSON; the winner's tokens, saved before or after the revocation, die with
   * the Grant row, which userinfo, introspection and refresh all look up.
   */
  async consume(id: string): Promise<void> {
    const { rows } = await this.#db.executeQuery(STATEMENTS.consume({ model: this.#model, id }));
    if (rows.length > 0) return;
    if (this.#model === 'PushedAuthorizationRequest') {
      throw new errors.InvalidRequestUri('request_uri is invalid, expired, or was already used');
    }
    const { rows: sources } = await this.#db.executeQuery<{ grant_id: string | null }>(STATEMENTS.grantIdOf({ model: this.#model, id }));
    const grantId = sources[0]?.grant_id;
    if (grantId) await this.#db.executeQuery(STATEMENTS.revokeGrant({ grantId }));
    throw new errors.InvalidGrant(`${SINGLE_USE_LABELS[this.#model] ?? 'grant'} already consumed`);
  }

  async destroy(id: string): Promise<void> {
    await this.#db.executeQuery(STATEMENTS.destroy({ model: this.#model, id }));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.#db.executeQuery(STATEMENTS.revokeByGrantId({ model: this.#model, value: grantId }));
  }

  async #first(query: CompiledQuery): Promise<AdapterPayload | undefined> {
    const { rows } = await this.#db.executeQuery<PayloadRow>(query);
    const row = rows[0];
    if (!row) return undefined;
    return row.consumed_at ? { ...row.payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : row.payload;
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

/**
 * Takes the key (model, id) for `expiresInSeconds` if no live row holds it, in one statement:
 * PostgreSQL's unique key decides between concurrent callers, so exactly one of them gets true.
 * What must happen once per key within a time (a DPoP proof's or a client assertion's `jti`,
 * oidc/replay-detection.ts) asks this instead of reading and then writing.
 */
export async function insertUnlessLive(db: TenantDb, model: string, id: string, payload: AdapterPayload, expiresInSeconds: number): Promise<boolean> {
  const expiresAt = new Date(Date.now() + Math.max(1, expiresInSeconds) * 1000);
  const { rows } = await db.executeQuery(STATEMENTS.insertUnlessLive({ model, id, payload: JSON.stringify(payload), expiresAt }));
  return rows.length > 0;
}

export type DevicePoll = 'allowed' | 'too_fast' | 'unknown';

/**
 * A device's poll of the token endpoint with its device code (RFC 8628 §3.4): `allowed` when it
 * is the first or comes `intervalSeconds` after the last allowed one, `too_fast` otherwise, and
 * `unknown` for a code this tenant never issued (nothing is written: polling with made-up codes
 * leaves no rows). One statement, on the database's clock, so concurrent polls and several nodes
 * agree: the poll's row (model `DevicePoll`, the device code's id) is taken over only once it
 * has expired.
 */
export async function recordDevicePoll(db: TenantDb, deviceCode: string, intervalSeconds: number): Promise<DevicePoll> {
  const { rows } = await sql<{ known: boolean; allowed: boolean }>`
    WITH code AS (
      SELECT id FROM oidc_payloads WHERE model = 'DeviceCode' AND id = ${deviceCode}
    ), polled AS (
      INSERT INTO oidc_payloads (model, id, payload, expires_at)
      SELECT 'DevicePoll', id, '{}'::jsonb, now() + make_interval(secs => ${intervalSeconds}) FROM code
      ON CONFLICT (model, id) DO UPDATE SET expires_at = excluded.expires_at WHERE oidc_payloads.expires_at <= now()
      RETURNING id
    )
    SELECT EXISTS (SELECT 1 FROM code) AS known, EXISTS (SELECT 1 FROM polled) AS allowed
  `.execute(db);
  const row = rows[0];
  if (!row?.known) return 'unknown';
  return row.allowed ? 'allowed' : 'too_fast';
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
