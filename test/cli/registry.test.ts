import { describe, expect, it } from 'vitest';
import { allCommands } from '../../src/cli/commands/index.ts';
import { parseInvocation } from '../../src/cli/parse.ts';
import type { CommandSpec } from '../../src/cli/command.ts';

describe('the command registry', () => {
  it('declares every command path once, with a summary and distinct option names', () => {
    const paths = allCommands.map((c) => c.path.join(' '));
    expect(paths.filter((p, i) => paths.indexOf(p) !== i)).toEqual([]);
    for (const command of allCommands) {
      expect(command.summary.length, command.path.join(' ')).toBeGreaterThan(0);
      const names = (command.options ?? []).map((o) => o.name);
      expect(new Set(names).size, command.path.join(' ')).toBe(names.length);
      // --json and --help belong to the runner.
      expect(names.filter((n) => n === 'json' || n === 'help'), command.path.join(' ')).toEqual([]);
    }
  });
});

describe('argument parsing', () => {
  const probe: CommandSpec = {
    path: ['probe', 'run'],
    args: ['<id>'],
    summary: 'test double',
    options: [
      { name: 'name', description: 'a value' },
      { name: 'role', description: 'a list', type: 'list' },
      { name: 'yes', description: 'a flag', type: 'boolean' },
    ],
    run: async () => ({ data: null }),
  };
  const parse = (...argv: string[]) => parseInvocation(argv, [probe]);

  it('reads --name value, --name=value, repeated and comma-separated lists, flags, and --json anywhere', () => {
    const invocation = parse('--json', 'probe', 'run', 'acme', '--name=Acme Corp', '--role', 'a,b', '--role', 'c', '--yes');
    expect(invocation).toMatchObject({
      kind: 'command',
      json: true,
      args: ['acme'],
      options: { name: 'Acme Corp', role: ['a', 'b', 'c'], yes: true },
    });
  });

  it('takes what follows -- as arguments, even when it looks like an option', () => {
    expect(parse('probe', 'run', '--', '--odd')).toMatchObject({ kind: 'command', args: ['--odd'] });
  });

  it.each([
    [['probe', 'run', 'a', '--name', 'x', '--name', 'y'], '--name given twice'],
    [['probe', 'run', 'a', '--yes=1'], '--yes takes no value'],
    [['probe', 'run', 'a', '-n'], 'unknown option "-n"'],
    [['probe', 'walk'], 'unknown command "probe walk"'],
  ])('refuses %j', (argv, message) => {
    expect(() => parse(...argv)).toThrow(message);
  });

  it('answers a group or nothing with the group listing', () => {
    expect(parse('probe')).toEqual({ kind: 'group', prefix: ['probe'], help: false, json: false });
    expect(parse('--help')).toEqual({ kind: 'group', prefix: [], help: true, json: false });
  });
});
