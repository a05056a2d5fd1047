import { useCallback, useEffect, useRef, useState } from './preact.js';

/**
 * Loads something when the dependencies change; `reload()` loads it again. A load that
 * finishes after a newer one started is dropped, so a slow answer never overwrites a newer.
 * @template T
 * @param {() => Promise<T>} load
 * @param {unknown[]} deps
 */
export function useAsync(load, deps) {
  const [state, setState] = useState(/** @type {{data?: T, error?: any, loading: boolean}} */ ({ loading: true }));
  const generation = useRef(0);
  const run = useCallback(() => {
    const mine = ++generation.current;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => mine === generation.current && setState({ data, loading: false }),
      (error) => mine === generation.current && setState({ error, loading: false }),
    );
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run, setData: (/** @type {T} */ data) => setState({ data, loading: false }) };
}

/**
 * Cursor pagination over an admin API list (`{items, next_cursor}`): the cursors of the pages
 * seen are kept, so "Previous" goes back without the API having to page backwards.
 * @param {(cursor: string | undefined) => Promise<{items: any[], next_cursor: string | null}>} loadPage
 * @param {unknown[]} deps  a change starts again at the first page
 */
export function usePaged(loadPage, deps) {
  const [cursors, setCursors] = useState(/** @type {(string | undefined)[]} */ ([undefined]));
  const [resetKey, setResetKey] = useState(0);
  useEffect(() => setCursors([undefined]), deps);
  const cursor = cursors[cursors.length - 1];
  const page = useAsync(() => loadPage(cursor), [cursor, resetKey, ...deps]);
  return {
    ...page,
    items: page.data?.items ?? [],
    number: cursors.length,
    hasNext: Boolean(page.data?.next_cursor),
    hasPrevious: cursors.length > 1,
    next: () => page.data?.next_cursor && setCursors([...cursors, page.data.next_cursor]),
    previous: () => setCursors(cursors.slice(0, -1)),
    reload: () => setResetKey((key) => key + 1),
  };
}
