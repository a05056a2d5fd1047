import type { CommandSpec } from './command.ts';
import { usageLine } from './parse.ts';

const GLOBAL_OPTIONS = [
  ['--json', 'print the result as JSON on stdout (errors as JSON on stderr)'],
  ['-h, --help', 'show help for this command or group'],
] as const;

const EXIT_CODES = '0 success · 1 failure (not found, conflict, a tenant failed to migrate, database unreachable) · 2 bad usage or invalid input';

/** Help for `tansu`, or for a group such as `tansu tenant`: every command under the prefix, one line each. */
export function groupHelp(prefix: readonly string[], commands: readonly CommandSpec[]): string {
  const under = commands
    .filter((c) => prefix.every((word, i) => c.path[i] === word))
    .sort((a, b) => a.path.join(' ').localeCompare(b.path.join(' ')));
  const names = under.map((c) => [...c.path, ...(c.args ?? [])].join(' '));
  const width = Math.max(0, ...names.map((n) => n.length));
  const lines = [
    `Usage: tansu ${prefix.length ? `${prefix.join(' ')} ` : ''}<command> [arguments] [options]`,
    '',
    prefix.length ? `Commands under "${prefix.join(' ')}":` : 'Tansu Identity: multi-tenant OpenID Connect, one PostgreSQL database per tenant.\n\nCommands:',
    ...under.map((c, i) => `  ${names[i]!.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    `Run "tansu <command> --help" for a command's arguments and options.`,
    `Exit codes: ${EXIT_CODES}`,
  ];
  return lines.join('\n');
}

export function commandHelp(command: CommandSpec): string {
  const options = (command.options ?? []).flatMap((o) => {
    const flag = o.type === 'boolean' ? `--${o.name}` : `--${o.name} <${o.type === 'list' ? 'a,b,…' : 'value'}>`;
    const notes = [o.required ? (o.secret ? `required: this, --${o.name}-file or the prompt` : 'required') : '', o.type === 'list' ? 'repeatable' : ''].filter(Boolean);
    const line = [flag, notes.length ? `${o.description} (${notes.join(', ')})` : o.description] as const;
    if (!o.secret) return [line];
    return [
      line,
      [`--${o.name}-file <path>`, `read the ${o.name} from the first line of this file instead`] as const,
      ['', `with neither: asked for without echo when stdin is a terminal`] as const,
    ];
  });
  const lines = [`Usage: ${usageLine(command)}`, '', command.summary];
  if (command.args?.length) lines.push('', 'Arguments:', ...command.args.map((a) => `  ${a}`));
  if (options.length) lines.push('', 'Options:', ...optionLines(options));
  lines.push('', 'Global options:', ...optionLines(GLOBAL_OPTIONS), '', `Exit codes: ${EXIT_CODES}`);
  return lines.join('\n');
}

function optionLines(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, description]) => `  ${flag.padEnd(width)}  ${description}`);
}
