/**
 * Preloaded into the server under test (`--expose-gc --import`): on SIGUSR2 it collects garbage
 * and writes `process.memoryUsage()` to BENCH_MEMORY_FILE, so the benchmark reads live memory,
 * not whatever garbage happens to be waiting.
 */
import fs from 'node:fs';

const file = process.env.BENCH_MEMORY_FILE;
if (file) {
  process.on('SIGUSR2', () => {
    (globalThis as { gc?: () => void }).gc?.();
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(process.memoryUsage()));
    fs.renameSync(`${file}.tmp`, file);
  });
}
