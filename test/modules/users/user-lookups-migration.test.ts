import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startUsersTestBed, type UsersTestBed } from '../../support/users.ts';
import type { TenantScope } from '../../../src/platform/tenant-scope.ts';

/**
 * Migration 2026-12-01T0800: what the admin API reads and deletes per user is found through an
 * index, not by reading the whole table (oidc_payloads holds every session and token of a tenant).
 */
let bed: UsersTestBed;
let acme: TenantScope;

beforeAll(async () => {
  bed = await startUsersTestBed();
  acme = await bed.tenant('lookups');
});
afterAll(async () => {
  await bed?.close();
});

describe('migration 2026-12-01T0800 (user lookups)', () => {
  it("finds an account's provider rows and sign-in attempts by index", async () => {
    const userId = crypto.randomUUID();
    const plans = await acme.db.transaction().execute(async (trx) => {
      // The tables are nearly empty here; forbid the scan the planner would rightly pick for them.
      await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      const explain = async (query: ReturnType<typeof sql>) =>
        (await sql<{ 'QUERY PLAN': string }>`EXPLAIN ${query}`.execute(trx)).rows.map((row) => row['QUERY PLAN']).join('\n');
      return [
        // As user-sessions.repository.ts writes it, so the partial index applies.
        await explain(sql`SELECT model FROM oidc_payloads WHERE payload ? 'accountId' AND payload->>'accountId' = ${userId}`),
        await explain(sql`SELECT id FROM login_attempts WHERE user_id = ${userId} ORDER BY id DESC LIMIT 51`),
      ];
    });
    expect(plans[0]).toContain('oidc_payloads_account_id');
    expect(plans[1]).toContain('login_attempts_user');
  });
});
