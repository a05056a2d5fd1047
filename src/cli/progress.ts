import type { CommandContext } from './command.ts';

/** Steps of a long operation: a line per step on a terminal, a structured log line otherwise. */
export function stepReporter(context: CommandContext, fields: Record<string, unknown>): (step: string) => void {
  const started = performance.now();
  return (step) => {
    if (context.interactive) {
      context.stderr.write(`  ${((performance.now() - started) / 1000).toFixed(1).padStart(5)}s  ${step}\n`);
    } else {
      context.platform.log.info({ ...fields, step }, 'progress');
    }
  };
}
