import type { Platform } from '../platform/platform.ts';
import { AppError } from '../errors.ts';

/**
 * One `tansu` sub-command, declared as data: the runner parses flags against `options`, prints
 * `--help` from the same declaration, opens the platform, and renders the result (JSON with --json).
 */
export interface OptionSpec {
  /** Long name without dashes, e.g. `admin-email`. */
  name: string;
  description: string;
  /** `boolean` flags take no value; `list` may be repeated or comma-separated. */
  type?: 'string' | 'boolean' | 'list';
  required?: boolean;
  /**
   * A password: also taken from the first line of `--<name>-file <path>`, or asked for without
   * echo when stdin is a terminal and neither flag is given (see secrets.ts).
   */
  secret?: { prompt: string };
}

export interface CommandSpec {
  /** Words after `tansu`, e.g. ['tenant', 'create']. */
  path: string[];
  /** Positional arguments, e.g. ['<id>']; all required. */
  args?: string[];
  summary: string;
  options?: OptionSpec[];
  /**
   * Optional checks of args and options that need no database: throw a UsageError (or an AppError
   * with status 400) and the command exits 2 before the platform is opened.
   */
  validate?(input: { args: string[]; options: ParsedOptions }): void;
  run(context: CommandContext): Promise<CommandResult>;
}

export interface ParsedOptions {
  [name: string]: string | boolean | string[] | undefined;
}

export interface CommandContext {
  platform: Platform;
  args: string[];
  options: ParsedOptions;
  json: boolean;
  /** True when stderr is a terminal: show progress bars; otherwise log structured lines. */
  interactive: boolean;
  /** Progress/human messages go to stderr so stdout stays the result. */
  stderr: NodeJS.WritableStream;
}

export interface CommandResult {
  /** What `--json` prints. */
  data: unknown;
  /** What a person reads; defaults to the JSON. */
  text?: string;
  /** Non-zero when the command ran but reports failure (e.g. a tenant failed to migrate). */
  exitCode?: number;
}

/** Bad usage (unknown flag, missing argument, invalid value): exit code 2. */
export class UsageError extends AppError {
  constructor(message: string) {
    super('usage', message, 400);
  }
}

export function stringOption(options: ParsedOptions, name: string): string | undefined {
  const value = options[name];
  return typeof value === 'string' ? value : undefined;
}

export function listOption(options: ParsedOptions, name: string): string[] {
  const value = options[name];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}
