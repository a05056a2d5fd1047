import { describe, expect, it } from 'vitest';
import { allPages, checkPageLimit, CURSOR_PART, decodeCursor, encodeCursor, MAX_PAGE_LIMIT, pageOf, type Page, type PageRequest } from '../../src/db/page.ts';

const invalidCursor = { code: 'invalid_cursor', status: 400 };
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('cursors', () => {
  const parts = [CURSOR_PART.timestamp, CURSOR_PART.uuid];
  const key = ['2026-12-01T02:03:04.123456Z', '0b5c3a2e-6d1f-4c8a-9e7b-2f4d6a8c0e1f'];

  it('decode to the key they were made from, for their own list only', () => {
    const cursor = encodeCursor('invitations', key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, 'invitations', parts)).toEqual(key);
    expect(() => decodeCursor(cursor, 'clients', parts)).toThrow(expect.objectContaining(invalidCursor));
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['not JSON', b64('not json')],
    ['not an array', b64({ list: 'invitations' })],
    ['too few parts', b64(['invitations', key[0]])],
    ['too many parts', b64(['invitations', ...key, 'x'])],
    ['a part that is not text', b64(['invitations', key[0], 42])],
    ['a timestamp PostgreSQL could not cast', b64(['invitations', 'yesterday', key[1]])],
    ['an id that is no uuid', b64(['invitations', key[0], "x' OR 1=1 --"])],
    ['far too long', 'A'.repeat(5000)],
  ])('refuse a cursor that is %s with invalid_cursor (400)', (_what, cursor) => {
    expect(() => decodeCursor(cursor, 'invitations', parts)).toThrow(expect.objectContaining(invalidCursor));
  });
});

describe('page limits', () => {
  it.each([1, 50, MAX_PAGE_LIMIT])('accept %s', (limit) => expect(checkPageLimit(limit)).toBe(limit));

  it.each([0, -1, MAX_PAGE_LIMIT + 1, 1.5, Number.NaN, '10', undefined])('refuse %s with invalid_limit (400)', (limit) => {
    expect(() => checkPageLimit(limit)).toThrow(expect.objectContaining({ code: 'invalid_limit', status: 400 }));
  });
});

describe('pages', () => {
  // A list of the numbers 1..n read by keyset, as the repositories read theirs.
  const numbers = (n: number) => async (request: PageRequest): Promise<Page<number>> => {
    const after = request.cursor === undefined ? 0 : Number(decodeCursor(request.cursor, 'numbers', [/^\d+$/])[0]);
    return pageOf(
      request,
      async (limit) => Array.from({ length: n }, (_, i) => i + 1).filter((i) => i > after).slice(0, limit),
      (row) => encodeCursor('numbers', [String(row)]),
    );
  };

  it('say there is no next page on the last one, also when it is exactly full', async () => {
    expect(await numbers(4)({ limit: 2 })).toMatchObject({ items: [1, 2], next_cursor: expect.any(String) });
    const second = await numbers(4)({ limit: 2, cursor: (await numbers(4)({ limit: 2 })).next_cursor! });
    expect(second).toEqual({ items: [3, 4], next_cursor: null });
    expect(await numbers(0)({ limit: 2 })).toEqual({ items: [], next_cursor: null });
  });

  it('are walked to the end by allPages', async () => {
    expect(await allPages(numbers(7), 3)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await allPages(numbers(450))).toHaveLength(450);
  });
});
