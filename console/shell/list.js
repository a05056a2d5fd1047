import { html } from './preact.js';
import { ErrorNotice, Loading, Pager, Table } from './components.js';

/**
 * The shape every list page of both consoles shares: the API's refusal, "Loading…" until the
 * first answer is in, the table, or a sentence saying the list is empty (only once there is an
 * answer, so an empty list is never claimed while it loads; a sentence rather than an empty
 * table, whose one wide cell a phone would scroll sideways), and for a paged list the
 * previous/next buttons.
 *
 * `list` is either a `usePaged` list (its `items`, `next`, `previous`) or a `useAsync` load whose
 * `data` is the array; `row` draws one item as a `<tr>`.
 *
 * @param {{list: {items?: any[], data?: any[], error?: any, loading: boolean, next?: () => void},
 *   caption: string, head: string[], row: (item: any) => any, empty?: string, pagerLabel?: string}} props
 */
export function ListTable({ list, caption, head, row, empty, pagerLabel }) {
  const items = list.items ?? list.data ?? [];
  const waiting = list.loading && items.length === 0;
  return html`<${ErrorNotice} error=${list.error} />
    ${waiting ? html`<${Loading} />` : null}
    ${waiting || (list.error && items.length === 0)
      ? null
      : items.length === 0
        ? html`<p class="list-empty">${empty ?? 'Nothing here yet.'}</p>`
        : html`<${Table} caption=${caption} head=${head} rows=${items.length}>${items.map(row)}<//>`}
    ${typeof list.next === 'function' ? html`<${Pager} paged=${list} label=${pagerLabel ?? `Pages of ${caption.toLowerCase()}`} />` : null}`;
}
