import { sql, type Kysely } from 'kysely';
import type { PlatformDatabase } from '../db/schema.ts';

/**
 * The `application_name` of the session on which each serving process LISTENs for tenant changes
 * (tenancy/tenancy.plugin.ts). Every process that serves requests holds exactly one such session
 * on the platform database for as long as it lives, and PostgreSQL ends it when the process
 * dies, so counting them counts the live processes of the fleet, workers and nodes alike, with
 * nothing to register or expire. Commands that follow changes (`--watch`) use another name.
 */
export const SERVING_PROCESS_APPLICATION_NAME = 'tansu-node';

/**
 * The serving processes connected to this platform database now (0 while none has LISTENed yet).
 * `pg_stat_activity` shows every role the application name of every session, and counts the
 * sessions of the whole cluster, so a pooler in front of this query changes nothing.
 */
export async function countServingProcesses(db: Kysely<PlatformDatabase>): Promise<number> {
  const { rows } = await sql<{ processes: number }>`
    SELECT count(*)::int AS processes FROM pg_stat_activity
     WHERE datname = current_database() AND application_name = ${SERVING_PROCESS_APPLICATION_NAME}`.execute(db);
  return rows[0]?.processes ?? 0;
}
