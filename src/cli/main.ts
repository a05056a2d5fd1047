import { loadConfig, type Config } from '../config.ts';
import type { Platform } from '../platform/platform.ts';
import type { Logger } from '../logger.ts';
import { AppError, isAppError } from '../errors.ts';
import { UsageError, type CommandResult } from './command.ts';
import { parseInvocation } from './parse.ts';
import { commandHelp, groupHelp } from './help.ts';
import { allCommands } from './commands/index.ts';
import { resolveSecrets } from './secrets.ts';

/**
 * The `tansu` runner: parse → validate (no database yet) → open the platform → run → print.
 * stdout carries only the result; help for a mistake, errors, progress and logs go to stderr.
 * Help and usage errors load no database code at all (each command imports its services inside
 * `run`): kysely, pg and oidc-provider alone take a second to import on a small machine.
 */
async function runCli(argv: readonly string[]): Promise<number> {
  let json = argv.includes('--json');
  try {
    const invocation = parseInvocation(argv, allCommands);
    json = invocation.json;
    if (invocation.kind === 'group') {
      if (invocation.help) return write(process.stdout, groupHelp(invocation.prefix, allCommands), 0);
      return write(process.stderr, groupHelp(invocation.prefix, allCommands), 2);
    }
    const { command, args, options } = invocation;
    if (invocation.help) return write(process.stdout, commandHelp(command), 0);
    command.validate?.({ args, options });
    await resolveSecrets(command, options, { input: process.stdin, output: process.stderr });

    const interactive = Boolean(process.stderr.isTTY);
    // On a terminal the command draws its own progress and tables; elsewhere pino lines go to stderr.
    const config = loadConfig({ LOG_LEVEL: interactive ? 'silent' : 'info', ...process.env });
    const { default: pino } = await import('pino');
    const { createLogger } = await import('../logger.ts');
    const log = createLogger(config, pino.destination({ fd: 2, sync: true }));
    // A signal even while the platform opens must stop an embedded server this command starts.
    const opening = openPlatformForCli(config, log);
    let closing: Promise<void> | undefined;
    const close = () => (closing ??= opening.then((platform) => platform.close(), () => {}));
    stopOnSignals(close);
    const platform = await opening;
    let result: CommandResult;
    try {
      result = await command.run({ platform, args, options, json, interactive, stderr: process.stderr });
    } finally {
      await close();
    }
    const output = json ? JSON.stringify(result.data, null, 2) : (result.text ?? JSON.stringify(result.data, null, 2));
    return write(process.stdout, output, result.exitCode ?? 0);
  } catch (error) {
    return reportError(error, json);
  }
}

async function openPlatformForCli(config: Config, log: Logger): Promise<Platform> {
  const { openPlatform } = await import('../platform/platform.ts');
  try {
    // Exclusive: an embedded server this command starts is stopped when it ends, so no other
    // process may join it meanwhile (they wait, then start their own).
    const platform = await openPlatform(config, log, { exclusive: true, publicUrl: 'stored' });
    warnOfOtherPublicUrl(config, platform);
    return platform;
  } catch (error) {
    if (isAppError(error)) throw error;
    throw new AppError('database_unreachable', `cannot open the platform database: ${(error as Error).message}`, 503);
  }
}

/**
 * This terminal's PUBLIC_URL names another address than the last server started with. The stored
 * one wins: it is what the server serves, so it is the issuer clients will see in tokens and
 * discovery; printing this terminal's value would hand out an issuer that no server answers to (a
 * stale shell variable is far likelier than a server about to restart with it). One line says so,
 * naming both, in case the operator meant to move the server: restarting it with the new value does.
 */
function warnOfOtherPublicUrl(config: Config, platform: Platform): void {
  if (!config.publicUrlSet || platform.publicUrl === config.publicUrl) return;
  process.stderr.write(
    `tansu: warning: PUBLIC_URL here is ${config.publicUrl} but the server serves ${platform.publicUrl} (the last server start recorded it); printing ${platform.publicUrl}\n`,
  );
}

/**
 * Ctrl-C or a kill: close the platform, which stops an embedded PostgreSQL this command started
 * (one it joined keeps running). Work cut short resumes as usual: `tenant create` takes over an
 * unfinished tenant, `migrate` is simply run again.
 */
function stopOnSignals(close: () => Promise<void>): void {
  const stop = (signal: NodeJS.Signals, code: number) => {
    process.stderr.write(`\ntansu: ${signal}, stopping\n`);
    close().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => stop('SIGINT', 130));
  process.once('SIGTERM', () => stop('SIGTERM', 143));
}

/** Usage mistakes and invalid input exit 2; everything else that fails exits 1. */
function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return 2;
  if (isAppError(error) && (error.status === 400 || error.status === 422)) return 2;
  return 1;
}

function reportError(error: unknown, json: boolean): Promise<number> {
  const code = isAppError(error) ? error.code : 'internal_error';
  // Expected errors are AppErrors with a message written for people; anything else is shown by its
  // message too, never as a stack trace.
  const message = error instanceof Error ? error.message : String(error);
  const text = json ? JSON.stringify({ error: code, error_description: message }) : `tansu: ${message} (${code})`;
  return write(process.stderr, text, exitCodeFor(error));
}

function write(stream: NodeJS.WriteStream, text: string, exitCode: number): Promise<number> {
  return new Promise((resolve) => stream.write(`${text}\n`, () => resolve(exitCode)));
}

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  () => process.exit(1),
);
