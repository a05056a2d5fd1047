import type { Platform } from '../../platform/platform.ts';
import { isAppError } from '../../errors.ts';
import {
  JOB_HEARTBEAT_SECONDS, beatJobs, finishJob, insertJob, markJobRunning, updateJobProgress, type AdminJobRow, type JobFailure,
} from '../../platform/admin-jobs.repository.ts';

/** How far a job has come: a step in words, and a count when the work is a number of items. */
export interface JobProgress {
  step: string | null;
  done: number | null;
  total: number | null;
}

export interface JobWork {
  /** The latest progress wins; the row is written as often as the database keeps up, never queued up. */
  report(progress: Partial<JobProgress>): void;
  /** For a service that reports steps in words (restore, move): `done` counts the steps before the one under way. */
  steps(): (step: string) => void;
}

/** What a job ends with: its result, and whether the work as a whole failed (e.g. some tenants of a fleet migration). */
export type JobOutcome = { result: Record<string, unknown>; failure?: JobFailure };

export interface JobSpec {
  kind: string;
  tenantId: string | null;
  /** What it was asked to do, shown with the job. */
  params: Record<string, unknown>;
  /** Who asked (platform-admin-auth.ts callerText). */
  createdBy: string;
  run(work: JobWork): Promise<JobOutcome>;
  /** Runs after the job, whatever its end (removes an uploaded file). */
  cleanup?(): Promise<void>;
}

/**
 * Runs the platform admin API's long operations in this process, their state in the platform
 * database (admin-jobs.repository.ts) so that every node can answer for them. A job starts at
 * once; the services' own progress callbacks (the same ones the CLI draws its steps and bars
 * from) update its row, and one timer beats for every job this node runs, so a job whose node
 * dies is seen as such by the others. Closing waits for the jobs in flight: a graceful shutdown
 * does not cut a move in half.
 */
export class JobRunner {
  readonly #platform: Platform;
  readonly #running = new Map<string, Promise<void>>();
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(platform: Platform) {
    this.#platform = platform;
  }

  /** Records the job (`queued`) and starts it; the row is returned before the work begins. */
  async start(spec: JobSpec): Promise<AdminJobRow> {
    let row: AdminJobRow;
    try {
      row = await insertJob(this.#platform.db, spec);
    } catch (error) {
      await spec.cleanup?.().catch(() => {});
      throw error;
    }
    const done = this.#run(row.id, spec).finally(() => {
      this.#running.delete(row.id);
      if (this.#running.size === 0) this.#stopHeartbeat();
    });
    this.#running.set(row.id, done);
    this.#startHeartbeat();
    return row;
  }

  /** Waits for every job this node runs. */
  async close(): Promise<void> {
    await Promise.all(this.#running.values());
    this.#stopHeartbeat();
  }

  async #run(id: string, spec: JobSpec): Promise<void> {
    const { db, log } = this.#platform;
    const progress = new ProgressWriter((value) => updateJobProgress(db, id, { ...value }));
    let steps = 0;
    const work: JobWork = {
      report: (update) => progress.set(update),
      steps: () => (step) => progress.set({ step, done: steps++, total: null }),
    };
    try {
      await markJobRunning(db, id);
      log.info({ job: id, kind: spec.kind, tenant: spec.tenantId }, 'admin job started');
      const outcome = await spec.run(work);
      // Steps count as done once the next one starts; at the end, all of them are.
      if (steps > 0 && !outcome.failure) progress.set({ done: steps });
      await progress.flush();
      await finishJob(db, id, outcome.failure ? { status: 'failed', error: outcome.failure, result: outcome.result } : { status: 'succeeded', result: outcome.result });
      log.info({ job: id, kind: spec.kind, tenant: spec.tenantId, failed: outcome.failure?.code }, 'admin job finished');
    } catch (error) {
      await progress.flush();
      const failure = failureOf(error);
      if (!isAppError(error) || error.status >= 500) log.error({ job: id, kind: spec.kind, tenant: spec.tenantId, err: (error as Error).message }, 'admin job failed');
      await finishJob(db, id, { status: 'failed', error: failure }).catch((finishError: Error) =>
        // Its heartbeat stops with this process's interest in it: other nodes will call it interrupted.
        log.error({ job: id, err: finishError.message }, 'admin job failed, and its failure could not be recorded'),
      );
    } finally {
      await spec.cleanup?.().catch((error: Error) => log.warn({ job: id, err: error.message }, 'could not clean up after an admin job'));
    }
  }

  #startHeartbeat(): void {
    if (this.#heartbeat) return;
    this.#heartbeat = setInterval(() => {
      beatJobs(this.#platform.db, [...this.#running.keys()]).catch((error: Error) =>
        this.#platform.log.warn({ err: error.message }, 'could not record the heartbeat of the admin jobs running here'),
      );
    }, JOB_HEARTBEAT_SECONDS * 1000);
    // A heartbeat alone must not keep a process alive that has nothing else to do.
    this.#heartbeat.unref();
  }

  #stopHeartbeat(): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }
}

/** Failures keep the error's stable code; an unexpected error says where to look, never its internals. */
function failureOf(error: unknown): JobFailure {
  if (isAppError(error)) return { code: error.code, description: error.message };
  return { code: 'job_failed', description: 'the job failed unexpectedly; the server log of the node that ran it says why' };
}

/**
 * Coalesces progress: at most one write in flight, and only the newest value is written next.
 * A fleet migration reports once per tenant; a thousand tenants must not mean a thousand queued
 * UPDATEs racing each other to the row.
 */
class ProgressWriter {
  readonly #write: (progress: JobProgress) => Promise<void>;
  #current: JobProgress = { step: null, done: null, total: null };
  #dirty = false;
  #writing: Promise<void> | undefined;

  constructor(write: (progress: JobProgress) => Promise<void>) {
    this.#write = write;
  }

  set(update: Partial<JobProgress>): void {
    this.#current = { ...this.#current, ...update };
    this.#dirty = true;
    this.#writing ??= this.#drain();
  }

  /** Resolves once the newest value is written. */
  async flush(): Promise<void> {
    await this.#writing;
  }

  async #drain(): Promise<void> {
    while (this.#dirty) {
      this.#dirty = false;
      // Progress is advisory: a failed write is skipped, the next one or the outcome follows.
      await this.#write(this.#current).catch(() => {});
    }
    this.#writing = undefined;
  }
}
