import { html, useState } from '../../shell/preact.js';
import { useAsync, usePaged } from '../../shell/hooks.js';
import { Badge, ConfirmButton, ErrorNotice, Form, Loading, PageHeading, SuccessNotice, TextField, Time } from '../../shell/components.js';
import { ListTable } from '../../shell/list.js';

const STATE_TONES = { active: 'ok', next: 'neutral', retired: 'warn' };

/** Signing keys (newest first), rotating now, and the automatic rotation policy (If-Match). */
export function KeysPage({ app }) {
  const paged = usePaged((cursor) => app.api.get('/keys', { limit: 20, cursor }).then((answer) => answer.data), []);
  const policy = useAsync(() => app.api.get('/keys/policy'), []);
  const [notice, setNotice] = useState('');
  const rotate = async () => {
    const answer = await app.api.post('/keys/rotate', {});
    setNotice(`Rotated: ${answer.data.activated} signs from now on; ${answer.data.next} is published as the next key.`);
    paged.reload();
  };
  return html`<${PageHeading} title="Signing keys">
      <${ConfirmButton} label="Rotate now" title="Rotate the signing keys now"
        message="The published next key starts signing, the active key retires (still published for the grace period, so its tokens keep verifying), and a new next key is published."
        onConfirm=${rotate} />
    <//>
    <${SuccessNotice} message=${notice} />
    <${ListTable} list=${paged} caption="Signing keys" head=${['Key id', 'Algorithm', 'State', 'Created', 'Signing since', 'Retired', 'Leaves the JWKS']} pagerLabel="Pages of keys"
      row=${(key) => html`<tr>
        <td><code>${key.kid}</code></td>
        <td>${key.alg}</td>
        <td><${Badge} tone=${STATE_TONES[key.state] ?? 'neutral'}>${key.state}<//>${key.published ? null : html` <span class="muted">(not published)</span>`}</td>
        <td><${Time} value=${key.created_at} /></td>
        <td><${Time} value=${key.activated_at} /></td>
        <td><${Time} value=${key.retired_at} /></td>
        <td><${Time} value=${key.unpublish_at} /></td>
      </tr>`} />
    <${ErrorNotice} error=${policy.error} />
    ${policy.loading && !policy.data ? html`<${Loading} what="Loading the rotation policy…" />` : null}
    ${policy.data ? html`<${PolicyForm} key=${policy.data.etag} app=${app} answer=${policy.data} onSaved=${(answer) => {
      policy.setData(answer);
      setNotice('The rotation policy is saved.');
    }} onStale=${policy.reload} />` : null}`;
}

function PolicyForm({ app, answer, onSaved, onStale }) {
  const [form, setForm] = useState({ rotate_every_days: String(answer.data.rotate_every_days), grace_days: String(answer.data.grace_days) });
  const [stale, setStale] = useState(false);
  const set = (field) => (value) => setForm({ ...form, [field]: value });
  const submit = async () => {
    try {
      onSaved(await app.api.put('/keys/policy', { rotate_every_days: Number(form.rotate_every_days), grace_days: Number(form.grace_days) }, answer.etag));
    } catch (error) {
      setStale(error.code === 'precondition_failed');
      throw error;
    }
  };
  return html`<section class="card" aria-labelledby="key-policy">
    <h2 id="key-policy">Automatic rotation</h2>
    <${Form} submitLabel="Save policy" onSubmit=${submit}
      secondary=${stale ? html`<button type="button" class="secondary" onClick=${onStale}>Load the current version</button>` : null}>
      <${TextField} label="Rotate every (days)" type="number" value=${form.rotate_every_days} onInput=${set('rotate_every_days')} inputmode="decimal" />
      <${TextField} label="Keep a retired key published for (days)" type="number" value=${form.grace_days} onInput=${set('grace_days')} inputmode="decimal"
        hint="Longer than your longest-lived tokens, so they keep verifying." />
    <//>
  </section>`;
}
