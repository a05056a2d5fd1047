import { sql, type Kysely, type Selectable } from 'kysely';
import type { TenantDatabase } from '../../db/schema.ts';

/** A tenant's own wording of a built-in mail template; a NULL part keeps the built-in one. */
type Db = Kysely<TenantDatabase>;
export type TemplateOverride = Selectable<TenantDatabase['mail_templates']>;

export function findTemplateOverride(db: Db, name: string): Promise<TemplateOverride | undefined> {
  return db.selectFrom('mail_templates').selectAll().where('name', '=', name).executeTakeFirst();
}

export function listTemplateOverrides(db: Db): Promise<TemplateOverride[]> {
  return db.selectFrom('mail_templates').selectAll().orderBy('name').execute();
}

/** Sets the given parts; parts left undefined keep what the override had (or the built-in text). */
export async function saveTemplateOverride(
  db: Db,
  name: string,
  parts: { subject?: string | null; text_body?: string | null; html_body?: string | null },
): Promise<TemplateOverride> {
  const defined = Object.fromEntries(Object.entries(parts).filter(([, value]) => value !== undefined));
  return db
    .insertInto('mail_templates')
    .values({ name, ...defined })
    .onConflict((oc) => oc.column('name').doUpdateSet({ ...defined, updated_at: sql<Date>`now()` }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteTemplateOverride(db: Db, name: string): Promise<boolean> {
  const result = await db.deleteFrom('mail_templates').where('name', '=', name).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
