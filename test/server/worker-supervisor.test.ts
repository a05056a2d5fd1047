import cluster from 'node:cluster';
import path from 'node:path';
import { expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { superviseWorkers } from '../../src/worker-supervisor.ts';
import { SERVER_START_MS } from '../support/eventually.ts';

/**
 * Workers that die at startup, over and over: the primary (this process) keeps replacing them,
 * with a delay that grows up to its cap, and logs the loop once per interval, with why they die
 * and how many exits the line stands for.
 */
it('replaces workers in a crash loop with capped backoff and logs it once per interval', async () => {
  cluster.setupPrimary({ exec: path.join(import.meta.dirname, '../support/fixtures/crashing-worker.mjs'), silent: true });
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ logLevel: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  let exits = 0;
  const countExit = () => exits++;
  cluster.on('exit', countExit);
  const started = Date.now();
  const supervisor = superviseWorkers({ workers: 2, log, minDelayMs: 10, maxDelayMs: 80, logIntervalMs: 2_000 });
  try {
    const deadline = Date.now() + SERVER_START_MS;
    // Wait for a summary that stands for several exits: on a busy machine a worker may take longer
    // than an interval to start and die, and an interval then holds one exit only.
    const summarizesSeveral = (l: Record<string, unknown>) => l.msg === 'workers keep exiting; starting others' && Number(l.exitsSinceLastLine) >= 2;
    while (exits < 12 || !lines.some(summarizesSeveral)) {
      if (Date.now() > deadline) throw new Error(`only ${exits} exits, logged: ${JSON.stringify(lines)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await supervisor.stop();
    cluster.off('exit', countExit);
  }
  const elapsed = Date.now() - started;

  expect(lines[0]).toMatchObject({ msg: 'worker exited; starting another', code: 3, reason: 'cannot start: boom', restartInMs: 10 });
  // One line per interval however many exits; the summary counts them and carries the last reason.
  expect(lines.length).toBeLessThanOrEqual(Math.ceil(elapsed / 2_000) + 1);
  expect(lines.length).toBeLessThan(exits);
  const summary = lines.find((l) => l.msg === 'workers keep exiting; starting others' && Number(l.exitsSinceLastLine) >= 2)!;
  expect(summary).toMatchObject({ code: 3, reason: 'cannot start: boom' });
  // Every exit is in some line: the first one alone, the rest in the summaries' counts.
  const represented = lines.reduce((total, l) => total + (l.msg === 'workers keep exiting; starting others' ? Number(l.exitsSinceLastLine) : 1), 0);
  expect(represented).toBeLessThanOrEqual(exits);
  expect(summary.restartInMs).toBeLessThanOrEqual(80);
});
