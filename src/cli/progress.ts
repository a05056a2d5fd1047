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

export interface ProgressBar {
  /** One more item done; `note` names it (e.g. "acme migrated"). */
  tick(note: string): void;
  /** Leaves the final bar on its own line. */
  finish(): void;
}

/** A bar redrawn in place on a terminal's stderr: `[#######-------]  12/50  acme migrated`. */
export function progressBar(stream: NodeJS.WritableStream, total: number, label: string): ProgressBar {
  const width = 30;
  let done = 0;
  const draw = (note: string) => {
    const filled = total === 0 ? width : Math.round((done / total) * width);
    stream.write(`\r\x1b[2K${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}  ${note}`);
  };
  draw('');
  return {
    tick(note) {
      done++;
      draw(note);
    },
    finish() {
      stream.write('\n');
    },
  };
}
