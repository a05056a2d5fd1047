import type { Kysely } from 'kysely';
import type { PlatformDatabase } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import { readPlatformSetting, writePlatformSetting } from './platform-settings.repository.ts';

/**
 * The public URL lives in the platform database as well as in each process's environment: a
 * tenant's issuer is `${publicUrl}/t/<id>`, and only the server's own value is right. `tansu` run in
 * a second terminal usually lacks the server's PUBLIC_URL (or PORT) and would otherwise print
 * `http://localhost:8080/t/…` for a server that serves another address.
 */
const PUBLIC_URL_KEY = 'public_url';

/**
 * A server records the URL it serves at start; the last server started wins. A change moves the
 * issuer of every tenant (tokens already issued name the old one), so it is logged as a warning.
 */
export async function publishPublicUrl(db: Kysely<PlatformDatabase>, publicUrl: string, log: Logger): Promise<void> {
  const previous = await writePlatformSetting(db, PUBLIC_URL_KEY, publicUrl);
  if (typeof previous === 'string' && previous !== publicUrl) {
    log.warn(
      { previous, publicUrl },
      "PUBLIC_URL changed since the last server start: every tenant's issuer changes with it (clients configured with the old issuer reject the new tokens)",
    );
  }
}

/** The URL the last server started with; undefined when no server has started on this platform yet. */
export async function storedPublicUrl(db: Kysely<PlatformDatabase>): Promise<string | undefined> {
  const value = await readPlatformSetting(db, PUBLIC_URL_KEY);
  return typeof value === 'string' ? value : undefined;
}
