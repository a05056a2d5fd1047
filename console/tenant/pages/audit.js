import { html, useState } from '../../shell/preact.js';
import { usePaged } from '../../shell/hooks.js';
import { PageHeading, TextField, Time } from '../../shell/components.js';
import { ListTable } from '../../shell/list.js';

/** `datetime-local` (the browser's zone) to an ISO 8601 instant; empty stays empty. */
export function instantOf(local) {
  return local ? new Date(local).toISOString() : undefined;
}

/** The audit log, newest first: filter by action, actor, target and time. */
export function AuditPage({ app }) {
  const empty = { action: '', actor: '', target: '', since: '', until: '' };
  const [draft, setDraft] = useState(empty);
  const [filter, setFilter] = useState(empty);
  const paged = usePaged(
    (cursor) =>
      app.api
        .get('/audit-events', { action: filter.action, actor: filter.actor, target: filter.target, since: instantOf(filter.since), until: instantOf(filter.until), limit: 25, cursor })
        .then((answer) => answer.data),
    [JSON.stringify(filter)],
  );
  const set = (field) => (value) => setDraft({ ...draft, [field]: value });
  return html`<${PageHeading} title="Audit log" />
    <form class="filters card" role="search" aria-label="Filter the audit log" onSubmit=${(event) => {
      event.preventDefault();
      setFilter(draft);
    }}>
      <${TextField} label="Action" value=${draft.action} onInput=${set('action')} placeholder="user.disabled" />
      <${TextField} label="Actor" value=${draft.actor} onInput=${set('actor')} placeholder="user:<id>" />
      <${TextField} label="Target" value=${draft.target} onInput=${set('target')} />
      <${TextField} label="From" type="datetime-local" value=${draft.since} onInput=${set('since')} />
      <${TextField} label="Until" type="datetime-local" value=${draft.until} onInput=${set('until')} />
      <div class="form-actions"><button type="submit">Filter</button></div>
    </form>
    <${ListTable} list=${paged} caption="Audit events" head=${['When', 'Action', 'Actor', 'Target', 'From', 'Details']} pagerLabel="Pages of the audit log" empty="No event matches."
      row=${(event) => html`<tr>
        <td><${Time} value=${event.occurred_at} /></td>
        <td><code>${event.action}</code></td>
        <td><code>${event.actor}</code></td>
        <td>${event.target ? html`<code>${event.target}</code>` : '—'}</td>
        <td>${event.ip ?? '—'}</td>
        <td>${Object.keys(event.details).length > 0
          ? html`<details><summary>Show</summary><pre class="details">${JSON.stringify(event.details, null, 2)}</pre></details>`
          : '—'}</td>
      </tr>`} />`;
}
