import { AppError } from '../../errors.ts';

/** `since` (inclusive) and `until` (exclusive) of a history query, as given: ISO 8601 text or a Date. */
export interface TimeRangeInput {
  since?: string | Date;
  until?: string | Date;
}

function instantOf(name: string, value: string | Date | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : /^\d{4}-\d{2}-\d{2}(T|$)/.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new AppError('invalid_filter', `${name} must be a date and time in ISO 8601, e.g. 2026-12-01T00:00:00Z`);
  return date;
}

/** The range as instants; `invalid_filter` naming the bound that is not a date, or when the range is empty. */
export function timeRangeOf(input: TimeRangeInput): { since?: Date; until?: Date } {
  const since = instantOf('since', input.since);
  const until = instantOf('until', input.until);
  if (since && until && since >= until) throw new AppError('invalid_filter', 'since must be before until');
  return { ...(since ? { since } : {}), ...(until ? { until } : {}) };
}
