import { html, useState } from '../../shell/preact.js';
import { usePaged } from '../../shell/hooks.js';
import { PageHeading, SelectField, TextField, Time } from '../../shell/components.js';
import { ListTable } from '../../shell/list.js';
import { Link } from '../../shell/router.js';
import { instantOf } from './audit.js';
import { outcomeBadge } from './user.js';

const OUTCOMES = ['signed_in', 'invalid_credentials', 'throttled', 'signup', 'signup_rejected', 'mail_requested', 'pending'];

/** Sign-in and signup attempts, newest first: filter by the address typed, outcome and time. */
export function ActivityPage({ app }) {
  const empty = { email: '', outcome: '', since: '', until: '' };
  const [draft, setDraft] = useState(empty);
  const [filter, setFilter] = useState(empty);
  const paged = usePaged(
    (cursor) =>
      app.api
        .get('/login-activity', { email: filter.email, outcome: filter.outcome, since: instantOf(filter.since), until: instantOf(filter.until), limit: 25, cursor })
        .then((answer) => answer.data),
    [JSON.stringify(filter)],
  );
  const set = (field) => (value) => setDraft({ ...draft, [field]: value });
  return html`<${PageHeading} title="Sign-in activity" />
    <form class="filters card" role="search" aria-label="Filter the sign-in activity" onSubmit=${(event) => {
      event.preventDefault();
      setFilter(draft);
    }}>
      <${TextField} label="Email typed" type="email" value=${draft.email} onInput=${set('email')} hint="The exact address, known account or not." />
      <${SelectField} label="Outcome" value=${draft.outcome} onChange=${set('outcome')} options=${[['', 'any'], ...OUTCOMES.map((outcome) => [outcome, outcome.replaceAll('_', ' ')])]} />
      <${TextField} label="From" type="datetime-local" value=${draft.since} onInput=${set('since')} />
      <${TextField} label="Until" type="datetime-local" value=${draft.until} onInput=${set('until')} />
      <div class="form-actions"><button type="submit">Filter</button></div>
    </form>
    <${ListTable} list=${paged} caption="Sign-in attempts" head=${['When', 'Outcome', 'Account', 'From', 'Known device']} pagerLabel="Pages of sign-in activity" empty="No attempt matches."
      row=${(attempt) => html`<tr>
        <td><${Time} value=${attempt.occurred_at} /></td>
        <td>${outcomeBadge(attempt.outcome, attempt.succeeded)}</td>
        <td>${attempt.user_id ? html`<${Link} to=${`users/${attempt.user_id}`}>${attempt.user_id.slice(0, 8)}…<//>` : html`<span class="muted">no account</span>`}</td>
        <td><code>${attempt.ip}</code></td>
        <td>${attempt.known_device ? 'yes' : 'no'}</td>
      </tr>`} />`;
}
