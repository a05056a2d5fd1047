import { sql, type RawBuilder } from 'kysely';
import { AppError } from '../errors.ts';

/**
 * One page of a list. Lists are read by keyset (after the last row of the previous page, on a
 * stable order), not by offset: a page costs the same at row 10 or row 100,000, and a row added
 * or deleted meanwhile neither repeats nor skips another one.
 */
export interface PageRequest {
  /** `next_cursor` of the previous page; absent for the first. */
  cursor?: string;
  limit: number;
}

export interface Page<T> {
  items: T[];
  /** Absent (null) on the last page. */
  next_cursor: string | null;
}

export const MAX_PAGE_LIMIT = 200;

/** A cursor longer than this was not made by encodeCursor for any of our keys. */
const MAX_CURSOR_LENGTH = 1024;

export const invalidCursor = () => new AppError('invalid_cursor', 'the cursor is not one this list handed out; start again without one', 400);

export function checkPageLimit(limit: unknown): number {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new AppError('invalid_limit', `the page limit must be a whole number from 1 to ${MAX_PAGE_LIMIT}`, 400);
  }
  return limit;
}

/**
 * A cursor is opaque to callers: base64url of the list's name and the sort key of the last row
 * given out. The name keeps one list's cursor from being read as another's.
 */
export function encodeCursor(list: string, key: readonly string[]): string {
  return Buffer.from(JSON.stringify([list, ...key]), 'utf8').toString('base64url');
}

/**
 * The sort key in a cursor of `list`, each part checked against its pattern: the parts end up as
 * query parameters, and a value PostgreSQL cannot cast would be a 500 instead of a 400.
 */
export function decodeCursor(cursor: string, list: string, parts: readonly RegExp[]): string[] {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw invalidCursor();
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(decoded) || decoded.length !== parts.length + 1 || decoded[0] !== list) throw invalidCursor();
  const key = decoded.slice(1);
  if (!key.every((value, index) => typeof value === 'string' && parts[index]!.test(value))) throw invalidCursor();
  return key as string[];
}

/**
 * Fetches `limit + 1` rows through `fetch` and cuts them into a page: the extra row only tells
 * whether another page follows, so the last page says so without a second query.
 */
export async function pageOf<Row>(request: PageRequest, fetch: (limit: number) => Promise<Row[]>, cursorOf: (row: Row) => string): Promise<Page<Row>> {
  const limit = checkPageLimit(request.limit);
  const rows = await fetch(limit + 1);
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return { items, next_cursor: more ? cursorOf(items[items.length - 1]!) : null };
}

export function mapPage<Row, T>(page: Page<Row>, toItem: (row: Row) => T): Page<T> {
  return { items: page.items.map(toItem), next_cursor: page.next_cursor };
}

/** Every item of a paged list, page after page (the CLI prints whole lists). */
export async function allPages<T>(list: (page: PageRequest) => Promise<Page<T>>, limit = MAX_PAGE_LIMIT): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await list(cursor === undefined ? { limit } : { cursor, limit });
    items.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined);
  return items;
}

/** Patterns for cursor parts. */
export const CURSOR_PART = Object.freeze({
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  /** A bigserial id (audit events, sign-in attempts): within PostgreSQL's bigint. */
  serial: /^[1-9]\d{0,17}$/,
  /** A timestamp as PostgreSQL writes it with `timestampCursorPart` (UTC, microseconds). */
  timestamp: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/,
  /** Any text of reasonable length (unique text keys: emails, identifiers, client ids). */
  text: /^[\s\S]{1,600}$/,
});

/**
 * A timestamp column as a cursor part: its full microseconds in UTC. A JavaScript Date keeps only
 * milliseconds, so a cursor made from one would skip or repeat rows created within the same one.
 * Compare it back with `${part}::timestamptz`.
 */
export function timestampCursorPart(column: string): RawBuilder<string> {
  return sql<string>`to_char(${sql.ref(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** The rows of a page read with a `cursor_at` column, without it: it is the cursor's, not the caller's. */
export function withoutCursorAt<T extends { cursor_at: string }>(page: Page<T>): Page<Omit<T, 'cursor_at'>> {
  return mapPage(page, ({ cursor_at: _, ...row }) => row);
}
