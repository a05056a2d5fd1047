import crypto from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { AppError, pgCode } from '../errors.ts';
import {
  createDatabase, databaseExists, databaseUrl, dropDatabase, renameDatabase, setConnectionsAllowed, terminateConnections,
  withMaintenanceSession,
} from '../db/postgres.ts';
import { findPgTool, runPgTool, serverMajorVersion } from './pg-tools.ts';

/**
 * The moving parts shared by backup, restore and move: dump a database to a pg_dump archive,
 * restore an archive into a scratch database, and swap a scratch database into place. Every
 * restore lands in a scratch database first, so a failure never touches the live one.
 */

/** Names of the databases a restore lands in, and of the live ones a swap sets aside. */
const SCRATCH_PREFIX = 'tansu_restore_';
const ASIDE_PREFIX = 'tansu_old_';

export interface DumpResult {
  serverVersionNum: number;
}

/** pg_dump (custom format) of one database into `file`. */
export async function dumpDatabase(clusterUrl: string, database: string, file: string, pgBinDir: string | undefined): Promise<DumpResult> {
  const serverVersionNum = await withMaintenanceSession(clusterUrl, async (client) => {
    const result = await client.query<{ server_version_num: string }>('SHOW server_version_num');
    return Number(result.rows[0]!.server_version_num);
  });
  const pgDump = await findPgTool('pg_dump', Math.floor(serverVersionNum / 10_000), pgBinDir);
  const dump = runPgTool(pgDump, ['--format=custom', '--no-owner', '--no-privileges', `--file=${file}`], databaseUrl(clusterUrl, database), 'backup_failed');
  dump.stdin.end();
  await dump.done;
  return { serverVersionNum };
}

/** An archive in a file, or a live database to dump straight into the restore. */
export type ArchiveSource =
  | { file: string }
  | { clusterUrl: string; database: string };

/**
 * pg_restore runs the archive's SQL as the cluster admin. Ownership and grants in the archive are
 * ignored (objects belong to whoever restores them), and what a tenant database never holds but
 * an archive could (subscriptions connect out, publications, tablespaces, security labels) is skipped.
 */
const PG_RESTORE_SAFETY = ['--no-owner', '--no-privileges', '--no-subscriptions', '--no-publications', '--no-tablespaces', '--no-security-labels'];

/** A fresh database named `tansu_restore_<random>` holding the archive; dropped again on failure. */
export async function restoreIntoScratchDatabase(clusterUrl: string, source: ArchiveSource, pgBinDir: string | undefined): Promise<string> {
  const scratch = `${SCRATCH_PREFIX}${crypto.randomBytes(6).toString('hex')}`;
  const pgDump = 'database' in source
    ? await withMaintenanceSession(source.clusterUrl, async (client) => findPgTool('pg_dump', await serverMajorVersion(client), pgBinDir))
    : undefined;
  const pgRestore = await withMaintenanceSession(clusterUrl, async (client) => {
    const tool = await findPgTool('pg_restore', await serverMajorVersion(client), pgBinDir);
    await createRestoreTarget(client, scratch);
    return tool;
  });
  try {
    const restore = runPgTool(
      pgRestore,
      [...PG_RESTORE_SAFETY, '--exit-on-error', '--single-transaction', `--dbname=${scratch}`],
      databaseUrl(clusterUrl, scratch),
      'restore_failed',
    );
    let dumped: Promise<void> = Promise.resolve();
    let archive: NodeJS.ReadableStream;
    if ('database' in source) {
      // pg_dump's output flows straight into pg_restore: the copy takes about as long as the slower of the two.
      const dump = runPgTool(pgDump!, ['--format=custom', '--no-owner', '--no-privileges'], databaseUrl(source.clusterUrl, source.database), 'backup_failed', { stdout: true });
      dump.stdin.end();
      dumped = dump.done;
      archive = dump.stdout!;
    } else {
      archive = fs.createReadStream(source.file);
    }
    // If pg_restore rejects the archive it exits and closes stdin; its own error is the one to report.
    const feeding = pipeline(archive, restore.stdin).catch(() => {});
    await Promise.all([dumped, restore.done, feeding]);
    return scratch;
  } catch (error) {
    await withMaintenanceSession(clusterUrl, (client) => dropDatabase(client, scratch)).catch(() => {});
    throw error;
  }
}

/**
 * Creates the empty database an archive is restored into (for a restore and for a move): the one
 * place a restored database comes into being, so who owns it is decided here.
 */
async function createRestoreTarget(client: pg.Client, name: string): Promise<void> {
  await createDatabase(client, name, 'template0');
}

/**
 * Gives `scratch` the name `target`. An existing `target` is first renamed aside (its sessions
 * ended, new ones refused) and returned, so the caller drops it once the swap is committed — or
 * puts it back with `undoSwap` if something later fails.
 */
export async function swapIntoPlace(client: pg.Client, scratch: string, target: string): Promise<string | undefined> {
  let aside: string | undefined;
  if (await databaseExists(client, target)) {
    aside = `${ASIDE_PREFIX}${crypto.randomBytes(6).toString('hex')}`;
    await setConnectionsAllowed(client, target, false);
    await renameWhenIdle(client, target, aside);
  }
  try {
    await renameDatabase(client, scratch, target);
  } catch (error) {
    if (aside) await undoSwap(client, { scratch, target, aside }).catch(() => {});
    throw error;
  }
  return aside;
}

/** Reverses `swapIntoPlace`: the old database gets its name back and accepts sessions again. */
export async function undoSwap(client: pg.Client, names: { scratch: string; target: string; aside: string | undefined }): Promise<void> {
  if (await databaseExists(client, names.target)) {
    await setConnectionsAllowed(client, names.target, false);
    await renameWhenIdle(client, names.target, names.scratch);
  }
  if (names.aside) {
    await renameDatabase(client, names.aside, names.target);
    await setConnectionsAllowed(client, names.target, true);
  }
}

/** Scratch and set-aside databases on a cluster: what an interrupted restore or move leaves behind. */
export async function listCopyLeftovers(client: pg.Client): Promise<string[]> {
  const like = (prefix: string) => `${prefix.replaceAll('_', '\\_')}%`;
  const { rows } = await client.query<{ datname: string }>(
    'SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname LIKE $2 ORDER BY datname',
    [like(SCRATCH_PREFIX), like(ASIDE_PREFIX)],
  );
  return rows.map((row) => row.datname);
}

/** ALTER DATABASE … RENAME needs the database idle: end its sessions and retry while pools let go. */
async function renameWhenIdle(client: pg.Client, from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await terminateConnections(client, from);
    try {
      return await renameDatabase(client, from, to);
    } catch (error) {
      if (pgCode(error) !== '55006' || attempt >= 50) {
        throw new AppError('database_busy', `cannot rename database ${from}: ${(error as Error).message}`, 500);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
