import crypto from 'node:crypto';
import type pg from 'pg';
import { sql } from 'kysely';
import { databaseIdentifier, roleIdentifier } from './identifiers.ts';
import { closeDatabaseToPublic, createKysely, createPool, databaseUrl, run, withMaintenanceSession } from './postgres.ts';
import { AppError, pgCode } from '../errors.ts';

/**
 * A tenant's own login role and the privileges that tie it to its one database.
 *
 * The admin role keeps owning the database and every object in it: migrations, dumps and
 * restores run as admin, so nothing has to change hands after each of them and `REASSIGN OWNED`
 * (which also touches shared objects) is never needed. The tenant role gets exactly what serving
 * needs: CONNECT on its database, and SELECT/INSERT/UPDATE/DELETE on its tables and sequences.
 * It cannot connect to any other database we create (they are closed to PUBLIC at birth, see
 * createDatabase), cannot change the schema, and holds no attribute that reaches beyond it.
 */

/** 32 random bytes; base64url, so it needs no escaping in URLs, userlists or TOML. */
export function generateRolePassword(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802, RFC 7677; the format of
 * pg_authid.rolpassword). Sending the verifier instead of the password keeps the password out of
 * the server's statement log; every auth method that checks passwords (scram, md5, password)
 * accepts a role stored this way.
 */
export function scramVerifier(password: string, salt: Buffer = crypto.randomBytes(16), iterations = 4096): string {
  const salted = crypto.pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = crypto.createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = crypto.createHash('sha256').update(clientKey).digest();
  const serverKey = crypto.createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/*
 * NOSUPERUSER, NOREPLICATION and NOBYPASSRLS can only be named by a superuser in ALTER ROLE, so
 * the update path leaves them out; it refuses instead a role that holds any of them.
 */
const CREATE_ATTRIBUTES = sql.raw('LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS');
const ALTER_ATTRIBUTES = sql.raw('LOGIN NOCREATEDB NOCREATEROLE NOINHERIT');

/**
 * Creates the login role with this password, or gives an existing one (a retried creation, a move
 * back to a cluster, a tenant from before roles) this password and the attributes above.
 */
export async function ensureLoginRole(client: pg.Client, role: string, password: string): Promise<void> {
  const verifier = sql.lit(scramVerifier(password));
  if (!(await loginRoleExists(client, role))) {
    try {
      return await run(client, sql`CREATE ROLE ${roleIdentifier(role)} WITH ${CREATE_ATTRIBUTES} PASSWORD ${verifier}`);
    } catch (error) {
      // Created meanwhile by a concurrent run: check what it is, then update it.
      if (pgCode(error) !== '42710' && pgCode(error) !== '23505') throw error;
      await loginRoleExists(client, role);
    }
  }
  await run(client, sql`ALTER ROLE ${roleIdentifier(role)} WITH ${ALTER_ATTRIBUTES} PASSWORD ${verifier}`);
}

/** False when absent; throws when a role of that name exists with powers no tenant role may hold. */
async function loginRoleExists(client: pg.Client, role: string): Promise<boolean> {
  const { rows } = await client.query<{ powerful: boolean }>(
    'SELECT rolsuper OR rolreplication OR rolbypassrls OR rolcreaterole OR rolcreatedb AS powerful FROM pg_roles WHERE rolname = $1',
    [role],
  );
  if (rows[0]?.powerful) {
    throw new AppError('tenant_role_conflict', `role ${role} already exists on the cluster with privileges a tenant role must not have; rename or drop it`, 409);
  }
  return rows.length === 1;
}

/**
 * Lets `role` into `database` and nowhere else, with DML on every table and sequence there. Run
 * after anything that creates objects as admin (provisioning, migrations, restore, move): the
 * grants are idempotent and cover whichever admin role created the objects.
 */
export async function grantDatabaseToRole(clusterUrl: string, database: string, role: string): Promise<void> {
  await withMaintenanceSession(clusterUrl, async (client) => {
    await closeDatabaseToPublic(client, database);
    await run(client, sql`GRANT CONNECT ON DATABASE ${databaseIdentifier(database)} TO ${roleIdentifier(role)}`);
  });
  const db = createKysely(createPool(databaseUrl(clusterUrl, database), { max: 1, applicationName: 'tansu-grant' }));
  try {
    await db.connection().execute(async (session) => {
      const grantee = roleIdentifier(role);
      await sql`REVOKE CREATE ON SCHEMA public FROM PUBLIC`.execute(session);
      await sql`GRANT USAGE ON SCHEMA public TO ${grantee}`.execute(session);
      await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${grantee}`.execute(session);
      await sql`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${grantee}`.execute(session);
      // The migrator's bookkeeping is the admin's: a tenant role that could write it could make
      // the next migration skip its database.
      const { rows } = await sql<{ migrated: boolean }>`
        SELECT to_regclass('public.kysely_migration') IS NOT NULL AND to_regclass('public.kysely_migration_lock') IS NOT NULL AS migrated`.execute(session);
      if (rows[0]?.migrated) await sql`REVOKE ALL ON TABLE public.kysely_migration, public.kysely_migration_lock FROM ${grantee}`.execute(session);
    });
  } finally {
    await db.destroy();
  }
}

/**
 * DROP ROLE, once nothing on the cluster grants it anything. PostgreSQL refuses while a database
 * still names the role (2BP01), so this can never orphan a live database's only login.
 */
export async function dropLoginRole(client: pg.Client, role: string): Promise<void> {
  try {
    await run(client, sql`DROP ROLE IF EXISTS ${roleIdentifier(role)}`);
  } catch (error) {
    if (pgCode(error) !== '2BP01') throw error;
    throw new AppError('tenant_role_in_use', `role ${role} still has privileges on the cluster: ${(error as Error).message}`, 409);
  }
}
