import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { AppError } from '../errors.ts';

export type MigrationSet = 'platform' | 'tenant';

const MIGRATIONS_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

/** Loads a folder of migrations once per process; a fleet migration reuses the same modules. */
class FolderMigrationProvider implements MigrationProvider {
  #loaded: Promise<Record<string, Migration>> | undefined;
  readonly folder: string;

  constructor(folder: string) {
    this.folder = folder;
  }

  getMigrations(): Promise<Record<string, Migration>> {
    this.#loaded ??= this.#load();
    return this.#loaded;
  }

  async #load(): Promise<Record<string, Migration>> {
    const files = (await fs.readdir(this.folder)).filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts')).sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      const module = (await import(pathToFileURL(path.join(this.folder, file)).href)) as Migration;
      migrations[file.replace(/\.(ts|js)$/, '')] = module;
    }
    return migrations;
  }
}

const providers = new Map<string, FolderMigrationProvider>();

function providerFor(set: MigrationSet, folder = path.join(MIGRATIONS_ROOT, set)): FolderMigrationProvider {
  let provider = providers.get(folder);
  if (!provider) {
    provider = new FolderMigrationProvider(folder);
    providers.set(folder, provider);
  }
  return provider;
}

export interface MigrationOutcome {
  applied: string[];
}

/** Brings one database to the latest migration of its set; throws `migration_failed` on error. */
export async function migrateToLatest(db: Kysely<any>, set: MigrationSet, folder?: string): Promise<MigrationOutcome> {
  const migrator = new Migrator({ db, provider: providerFor(set, folder) });
  const { error, results } = await migrator.migrateToLatest();
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const message = error instanceof Error ? error.message : String(error);
    throw new AppError('migration_failed', failed ? `migration ${failed} failed: ${message}` : message, 500, { applied });
  }
  return { applied };
}

/** Names of migrations not yet applied to this database. */
export async function pendingMigrations(db: Kysely<any>, set: MigrationSet, folder?: string): Promise<string[]> {
  const migrator = new Migrator({ db, provider: providerFor(set, folder) });
  const migrations = await migrator.getMigrations();
  return migrations.filter((m) => !m.executedAt).map((m) => m.name);
}
