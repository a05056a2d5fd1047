import { UsageError, type CommandSpec, type OptionSpec, type ParsedOptions } from './command.ts';
import { fileFlagOf } from './secrets.ts';

/** What the words after `tansu` ask for. */
export type Invocation =
  | { kind: 'command'; command: CommandSpec; args: string[]; options: ParsedOptions; json: boolean; help: boolean }
  /** A group (`tansu tenant`) or nothing at all: list what is under that prefix. */
  | { kind: 'group'; prefix: string[]; help: boolean; json: boolean };

export function parseInvocation(argv: readonly string[], commands: readonly CommandSpec[]): Invocation {
  // Global flags may stand anywhere before a `--`; take them out so the rest parses by position.
  const end = argv.indexOf('--') === -1 ? argv.length : argv.indexOf('--');
  const isGlobal = (arg: string, i: number) => i < end && (arg === '--json' || arg === '--help' || arg === '-h');
  const help = argv.some((arg, i) => isGlobal(arg, i) && arg !== '--json');
  const json = argv.some((arg, i) => isGlobal(arg, i) && arg === '--json');
  const rest = argv.filter((arg, i) => !isGlobal(arg, i));
  const words: string[] = [];
  for (const arg of rest) {
    if (arg.startsWith('-')) break;
    words.push(arg);
  }

  // The longest declared path that the leading words spell out.
  let command: CommandSpec | undefined;
  for (const candidate of commands) {
    const matches = candidate.path.every((word, i) => words[i] === word);
    if (matches && candidate.path.length > (command?.path.length ?? 0)) command = candidate;
  }
  if (!command) {
    const prefix = longestKnownPrefix(words, commands);
    if (prefix.length < words.length && !help) {
      const unknown = [...prefix, words[prefix.length]].join(' ');
      throw new UsageError(`unknown command "${unknown}"; run "tansu ${prefix.length ? `${prefix.join(' ')} ` : ''}--help" for the list`);
    }
    return { kind: 'group', prefix, help, json };
  }
  if (help) return { kind: 'command', command, args: [], options: {}, json, help };

  const { args, options } = parseArguments(rest.slice(command.path.length), command);
  return { kind: 'command', command, args, options, json, help: false };
}

function longestKnownPrefix(words: readonly string[], commands: readonly CommandSpec[]): string[] {
  let length = 0;
  while (length < words.length && commands.some((c) => c.path.length > length && c.path.slice(0, length + 1).every((w, i) => w === words[i]))) {
    length++;
  }
  return words.slice(0, length);
}

/** `--name value`, `--name=value`, boolean `--flag`, repeatable or comma-separated lists; `--` ends the options. */
export function parseArguments(rest: readonly string[], command: CommandSpec): { args: string[]; options: ParsedOptions } {
  const specs = new Map<string, OptionSpec>((command.options ?? []).map((o) => [o.name, o]));
  for (const o of command.options ?? []) {
    if (o.secret) specs.set(fileFlagOf(o.name), { name: fileFlagOf(o.name), description: `file whose first line is the ${o.name}` });
  }
  const args: string[] = [];
  const options: ParsedOptions = {};
  let onlyPositionals = false;

  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (onlyPositionals || !arg.startsWith('-') || arg === '-') {
      args.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPositionals = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unknown option "${arg}" (options are spelled --name; put -- before an argument that starts with "-")`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    const spec = specs.get(name);
    if (!spec) throw new UsageError(`unknown option --${name} for "tansu ${command.path.join(' ')}"`);

    if (spec.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      options[name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = rest[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      value = next;
      i++;
    }
    if (spec.type === 'list') {
      const previous = options[name];
      const items = value.split(',').map((s) => s.trim()).filter(Boolean);
      options[name] = [...(Array.isArray(previous) ? previous : []), ...items];
    } else {
      if (options[name] !== undefined) throw new UsageError(`--${name} given twice`);
      options[name] = value;
    }
  }

  const expected = command.args ?? [];
  if (args.length < expected.length) {
    throw new UsageError(`missing ${expected.slice(args.length).join(' ')}; usage: ${usageLine(command)}`);
  }
  if (args.length > expected.length) {
    throw new UsageError(`unexpected argument "${args[expected.length]}"; usage: ${usageLine(command)}`);
  }
  for (const spec of command.options ?? []) {
    // A required secret may still come from its file or the terminal (secrets.ts checks then).
    if (spec.required && !spec.secret && options[spec.name] === undefined) throw new UsageError(`--${spec.name} is required`);
  }
  return { args, options };
}

export function usageLine(command: CommandSpec): string {
  const required = (command.options ?? []).filter((o) => o.required).map((o) => `--${o.name} <${o.name}>`);
  const hasOptional = (command.options ?? []).some((o) => !o.required);
  return ['tansu', ...command.path, ...(command.args ?? []), ...required, ...(hasOptional ? ['[options]'] : [])].join(' ');
}
