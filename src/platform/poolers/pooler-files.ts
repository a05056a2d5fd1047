import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { AppError } from '../../errors.ts';
import { redactUrl } from '../../db/postgres.ts';

/** What `pgcat-config` and `pgbouncer-userlist` share: write a generated file, tell the pooler. */

/** Writes the file only when its content changed (atomically, 0600: it holds passwords); true when it did. */
export async function writeGeneratedFile(file: string, content: string): Promise<boolean> {
  const current = await fs.promises.readFile(file, 'utf8').catch(() => undefined);
  if (current === content) return false;
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  await fs.promises.writeFile(partial, content, { mode: 0o600 });
  await fs.promises.rename(partial, file);
  return true;
}

/** `RELOAD` on the pooler's admin database (PgCat's and PgBouncer's both take it), so a change serves at once. */
export async function reloadPooler(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('RELOAD');
  } catch (error) {
    throw new AppError('pooler_reload_failed', `RELOAD on ${redactUrl(adminUrl)} failed: ${(error as Error).message}`, 502);
  } finally {
    await client.end().catch(() => {});
  }
}

/** One `--out` run of a pooler file command: write `content` if it changed, then RELOAD when a URL is given; true when it changed. */
export async function syncGeneratedFile(file: string, content: string, reloadUrl: string | undefined): Promise<boolean> {
  const changed = await writeGeneratedFile(file, content);
  if (changed && reloadUrl) await reloadPooler(reloadUrl);
  return changed;
}
