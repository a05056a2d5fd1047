/**
 * Interleaved rounds (issue 19): on a shared or noisy machine absolute figures drift by ±25 %
 * within minutes, so contenders are measured A, B, C, A, B, C, … in short rounds, the ratio to the
 * baseline is taken within each round, and medians and spreads are reported, with the load
 * average beside them.
 */
import os from 'node:os';
import { round } from './report.ts';

export interface Contender<R> {
  name: string;
  run(): Promise<R>;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  values: number[];
}

export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median: round(median, 2), min: round(sorted[0] ?? NaN, 2), max: round(sorted.at(-1) ?? NaN, 2), values };
}

export const formatSpread = (s: Spread, digits = 0) =>
  `${round(s.median, digits)} (${round(s.min, digits)}–${round(s.max, digits)})`;

export const loadAverage = () => os.loadavg().map((n) => n.toFixed(2)).join(' ');

/** Runs every contender once per round, in the same order, `rounds` times; results by contender name. */
export async function interleave<R>(contenders: Contender<R>[], rounds: number, log = true): Promise<{ results: Map<string, R[]>; loadAverages: string[] }> {
  const results = new Map(contenders.map((c) => [c.name, [] as R[]]));
  const loadAverages = [loadAverage()];
  for (let r = 0; r < rounds; r++) {
    for (const contender of contenders) {
      const result = await contender.run();
      results.get(contender.name)!.push(result);
      if (log) process.stderr.write(`${JSON.stringify({ round: r + 1, contender: contender.name, result })}\n`);
    }
    loadAverages.push(loadAverage());
  }
  return { results, loadAverages };
}
