import { sql, type RawBuilder } from 'kysely';

/**
 * The one helper that turns a name into an SQL identifier. Database and role names come only from
 * validated tenant ids, but they still go through PostgreSQL-style quoting here and nowhere else.
 */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function databaseIdentifier(name: string): RawBuilder<unknown> {
  if (!IDENTIFIER.test(name)) {
    throw new Error(`refusing to use "${name}" as a database identifier`);
  }
  return sql.id(name);
}

/** Login roles follow the same rule as databases (a tenant's role is named like its database). */
export function roleIdentifier(name: string): RawBuilder<unknown> {
  if (!IDENTIFIER.test(name)) {
    throw new Error(`refusing to use "${name}" as a role identifier`);
  }
  return sql.id(name);
}
