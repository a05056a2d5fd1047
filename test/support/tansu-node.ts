import { spawn, type ChildProcess } from 'node:child_process';
import { SERVER_START_MS } from './eventually.ts';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `node src/main.ts` as an operator runs it: its own process, real HTTP, logs collected. */
export interface TansuNode {
  readonly process: ChildProcess;
  readonly pid: number;
  readonly base: string;
  /** Everything it wrote to stdout and stderr so far. */
  logs(): string;
  /** Resolves with the exit code (or the signal) when the node exits. */
  readonly exited: Promise<number | string | null>;
  /** The pids of the primary's live children (its workers), from /proc. */
  workerPids(): number[];
  /** SIGKILL, if still running. */
  kill(): void;
}

/**
 * Starts a node and waits until `/readyz` answers 200 and, when given, a log line contains
 * `readyLog` (with workers, "tansu is ready" means every one of them listens: the first one
 * alone already answers `/readyz`).
 */
export async function startTansuNode(env: Record<string, string>, port: number, readyLog?: string): Promise<TansuNode> {
  const child = spawn(path.join(ROOT, 'node_modules/.bin/node'), ['src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  child.stdout!.on('data', (chunk) => (logs += chunk));
  child.stderr!.on('data', (chunk) => (logs += chunk));
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const base = `http://127.0.0.1:${port}`;
  const node: TansuNode = {
    process: child,
    pid: child.pid!,
    base,
    logs: () => logs,
    exited,
    workerPids: () => childrenOf(child.pid!),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
  const deadline = Date.now() + SERVER_START_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tansu exited during startup:\n${logs}`);
    const status = (await fetch(`${base}/readyz`, { headers: { connection: 'close' } }).catch(() => undefined))?.status;
    if (status === 200 && (readyLog === undefined || logs.includes(readyLog))) return node;
    if (Date.now() > deadline) {
      node.kill();
      throw new Error(`tansu did not become ready:\n${logs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Live child processes of `parent` (Linux /proc). */
export function childrenOf(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may contain spaces: fields follow the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === parent && fields[0] !== 'Z') pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids.sort((a, b) => a - b);
}

/** Whether a process is alive (and not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}
