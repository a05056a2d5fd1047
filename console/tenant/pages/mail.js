import { html, useState } from '../../shell/preact.js';
import { usePaged } from '../../shell/hooks.js';
import { ActionButton, Badge, PageHeading, SelectField, SuccessNotice, TextField, Time } from '../../shell/components.js';
import { ListTable } from '../../shell/list.js';

const STATE_TONES = { sent: 'ok', failed: 'danger', queued: 'neutral', sending: 'neutral', logged: 'warn' };

/** The tenant's outbox (invitations, reset and confirmation links…): what went out, what failed, retry. */
export function MailPage({ app }) {
  const empty = { state: '', to: '' };
  const [draft, setDraft] = useState(empty);
  const [filter, setFilter] = useState(empty);
  const [notice, setNotice] = useState('');
  const paged = usePaged((cursor) => app.api.get('/mail', { ...filter, limit: 25, cursor }).then((answer) => answer.data), [JSON.stringify(filter)]);
  const set = (field) => (value) => setDraft({ ...draft, [field]: value });
  return html`<${PageHeading} title="Mail" />
    <${SuccessNotice} message=${notice} />
    <form class="filters card" role="search" aria-label="Filter the mail" onSubmit=${(event) => {
      event.preventDefault();
      setFilter(draft);
    }}>
      <${TextField} label="To" type="email" value=${draft.to} onInput=${set('to')} />
      <${SelectField} label="State" value=${draft.state} onChange=${set('state')}
        options=${[['', 'any'], ['queued', 'queued'], ['sending', 'sending'], ['sent', 'sent'], ['failed', 'failed'], ['logged', 'logged (no SMTP server)']]} />
      <div class="form-actions"><button type="submit">Filter</button></div>
    </form>
    <${ListTable} list=${paged} caption="Mail" head=${['Queued', 'To', 'What', 'State', 'Attempts', 'Last error', '']} pagerLabel="Pages of mail" empty="No mail."
      row=${(mail) => html`<tr>
        <td><${Time} value=${mail.created_at} /></td>
        <td>${mail.to_address}</td>
        <td>${mail.subject} <span class="muted">(${mail.template.replaceAll('_', ' ')})</span></td>
        <td><${Badge} tone=${STATE_TONES[mail.state] ?? 'neutral'}>${mail.state}<//></td>
        <td class="num">${mail.attempts}</td>
        <td>${mail.last_error ?? '—'}</td>
        <td>${mail.state === 'failed'
          ? html`<${ActionButton} label="Retry" className="secondary" onClick=${async () => {
              await app.api.post(`/mail/${mail.id}/retry`);
              setNotice(`The mail to ${mail.to_address} is queued again.`);
              paged.reload();
            }} />`
          : null}</td>
      </tr>`} />`;
}
