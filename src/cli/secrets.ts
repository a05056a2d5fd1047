import fs from 'node:fs/promises';
import { UsageError, type CommandSpec, type ParsedOptions } from './command.ts';

/** The flag that names a file holding a secret option's value. */
export const fileFlagOf = (name: string) => `${name}-file`;

/**
 * Fills in the secret options (passwords) that were not given on the command line, where they
 * would sit in the shell history and in every `ps` listing: from `--<name>-file` (its first
 * line), or, with neither flag and a terminal on stdin, from a prompt that does not echo. An
 * empty answer leaves an optional secret unset (the command generates one).
 */
export async function resolveSecrets(command: CommandSpec, options: ParsedOptions, terminal: Terminal): Promise<void> {
  for (const spec of command.options ?? []) {
    if (!spec.secret) continue;
    const fileFlag = fileFlagOf(spec.name);
    const file = options[fileFlag];
    delete options[fileFlag];
    if (typeof file === 'string') {
      if (options[spec.name] !== undefined) throw new UsageError(`give --${spec.name} or --${fileFlag}, not both`);
      options[spec.name] = await firstLineOf(file, fileFlag);
      continue;
    }
    if (options[spec.name] !== undefined) continue;
    if (terminal.input.isTTY) {
      const answer = await readHidden(`${spec.secret.prompt}${spec.required ? '' : ' (empty: generate one)'}: `, terminal.input, terminal.output);
      if (answer !== '') options[spec.name] = answer;
    }
    if (spec.required && options[spec.name] === undefined) throw new UsageError(`--${spec.name} or --${fileFlag} is required`);
  }
}

async function firstLineOf(file: string, flag: string): Promise<string> {
  let content: string;
  try {
    content = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const line = content.split(/\r?\n/, 1)[0]!;
  if (line === '') throw new UsageError(`--${flag} ${file}: the first line is empty`);
  return line;
}

export interface Terminal {
  input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(raw: boolean): unknown };
  output: NodeJS.WritableStream;
}

/**
 * One line from a terminal in raw mode, so nothing typed is echoed: Enter ends it, Backspace
 * erases, Ctrl-C or Ctrl-D on an empty line cancels.
 */
export function readHidden(question: string, input: Terminal['input'], output: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const finish = (error?: Error) => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(answer);
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of chunk.toString()) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003' || (char === '\u0004' && answer === '')) return finish(new UsageError('cancelled at the password prompt'));
        if (char === '\u007f' || char === '\b') answer = answer.slice(0, -1);
        else if (char >= ' ') answer += char;
      }
    };
    // Echo off before the question shows: nothing typed after it may appear.
    input.setRawMode?.(true);
    output.write(question);
    input.on('data', onData);
    input.resume();
  });
}
