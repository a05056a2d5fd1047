import { sql, type Kysely } from 'kysely';

/**
 * Mail that is never lost: `mail_outbox` is a transactional outbox. A flow that sends mail (verify,
 * reset, invite, magic link) inserts its row in the same transaction as the action that causes it,
 * so the mail exists exactly when the action happened; a sender on each node delivers it later,
 * retrying with backoff while the SMTP server is away. The bodies are rendered at enqueue time and
 * cleared once the mail has gone out: they carry single-use links, which have no business staying
 * in the database after delivery.
 *
 * `mail_templates` holds the tenant's overrides of the built-in templates; a NULL part falls back
 * to the built-in one.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('mail_outbox')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('template', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text_body', 'text')
    .addColumn('html_body', 'text')
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('queued').check(sql`state IN ('queued', 'sending', 'sent', 'failed', 'logged')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    // queued: not before this; sending: the claim's lease ends then (a sender that died is replaced).
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .execute();
  // The sender's question, "what is due?", reads only unfinished rows, however much history piles up.
  await sql`CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE state IN ('queued', 'sending')`.execute(db);
  await db.schema.createIndex('mail_outbox_created_at').on('mail_outbox').column('created_at').execute();

  await db.schema
    .createTable('mail_templates')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('subject', 'text')
    .addColumn('text_body', 'text')
    .addColumn('html_body', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}
