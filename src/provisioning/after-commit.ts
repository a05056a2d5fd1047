import type { Logger } from '../logger.ts';

/** A step that follows an operation's point of no return; `logged` adds fields to its failure line. */
export type StepAfterCommit<Step extends string> = (step: Step, work: () => Promise<unknown>, logged?: Record<string, unknown>) => Promise<boolean>;

/**
 * Steps after the registry has taken an operation's result (a move's switch, a restore's
 * registration): the result stands, so a failing step is logged, never undone. Each step says
 * whether it succeeded. `seam` is the tests' fault hook: a throw from it stands for the step failing.
 */
export function stepsAfterCommit<Step extends string>(
  log: Logger,
  tenant: string,
  failureMessage: string,
  seam?: (step: Step) => Promise<void> | void,
): StepAfterCommit<Step> {
  return async (step, work, logged = {}) => {
    try {
      await seam?.(step);
      await work();
      return true;
    } catch (error) {
      log.error({ tenant, step, ...logged, err: (error as Error).message }, failureMessage);
      return false;
    }
  };
}
