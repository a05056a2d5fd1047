import { html, useState } from '../../shell/preact.js';
import { useAsync, usePaged } from '../../shell/hooks.js';
import { Badge, CheckboxField, ConfirmButton, Dialog, ErrorNotice, Facts, Form, ListField, Loading, PageHeading, SuccessNotice, TextField, Time } from '../../shell/components.js';
import { ListTable } from '../../shell/list.js';
import { Link, navigate } from '../../shell/router.js';

/** The tenant's APIs (resource servers) and their scopes; the built-in admin API is not one of them. */
export function ApisPage({ app }) {
  const paged = usePaged((cursor) => app.api.get('/apis', { limit: 20, cursor }).then((answer) => answer.data), []);
  return html`<${PageHeading} title="APIs"><${NewApiButton} app=${app} /><//>
    <${ListTable} list=${paged} caption="APIs" head=${['Name', 'Identifier (audience)', 'Scopes', 'Token lifetime']} pagerLabel="Pages of APIs" empty="No API yet: register one for each service that accepts this tenant's access tokens."
      row=${(api) => html`<tr>
        <td><${Link} to=${`apis/${api.id}`}>${api.name}<//>${api.is_default ? html` <${Badge}>default<//>` : null}</td>
        <td><code>${api.identifier}</code></td>
        <td><span class="tags">${api.scopes.map((scope) => html`<${Badge}>${scope}<//>`)}</span></td>
        <td>${api.access_token_ttl} s</td>
      </tr>`} />`;
}

function NewApiButton({ app }) {
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState({ identifier: '', name: '', scopes: [], access_token_ttl: '', is_default: false });
  const set = (field) => (value) => setForm({ ...form, [field]: value });
  const submit = async () => {
    const body = { identifier: form.identifier, scopes: form.scopes, is_default: form.is_default };
    if (form.name) body.name = form.name;
    if (form.access_token_ttl) body.access_token_ttl = Number(form.access_token_ttl);
    const answer = await app.api.post('/apis', body);
    navigate(`apis/${answer.data.id}`);
  };
  return html`<button type="button" onClick=${() => setOpen(true)}>Register API</button>
    <${Dialog} title="Register an API" open=${open} onClose=${() => setOpen(false)}>
      <${Form} submitLabel="Register API" onSubmit=${submit}>
        <${TextField} label="Identifier" type="url" value=${form.identifier} onInput=${set('identifier')} required
          hint="An absolute URI, e.g. https://api.example.com: the resource clients ask for and the aud of its tokens." />
        <${TextField} label="Name" value=${form.name} onInput=${set('name')} hint="Defaults to the identifier." />
        <${ListField} label="Scopes" values=${form.scopes} onChange=${set('scopes')} hint="e.g. orders:read; one a line." />
        <${TextField} label="Access token lifetime (seconds)" type="number" value=${form.access_token_ttl} onInput=${set('access_token_ttl')} inputmode="numeric" />
        <${CheckboxField} label="Default API: used when a client names none" checked=${form.is_default} onChange=${set('is_default')} />
      <//>
    <//>`;
}

/** One API: name, scopes, token lifetime, default flag (If-Match); delete. */
export function ApiPage({ app, params }) {
  const path = `/apis/${encodeURIComponent(params.id)}`;
  const loaded = useAsync(() => app.api.get(path), [params.id]);
  const [notice, setNotice] = useState('');
  const api = loaded.data?.data;
  const etag = loaded.data?.etag;
  if (!api) return html`<${PageHeading} title="API" /><${ErrorNotice} error=${loaded.error} />${loaded.loading ? html`<${Loading} />` : null}`;
  return html`<${PageHeading} title=${api.name}>${api.is_default ? html`<${Badge}>default<//>` : null}<//>
    <${SuccessNotice} message=${notice} />
    <section class="card" aria-labelledby="api-facts">
      <h2 id="api-facts">API</h2>
      <${Facts} items=${[
        ['Identifier (audience)', html`<code>${api.identifier}</code>`],
        ['Created', html`<${Time} value=${api.created_at} />`],
      ]} />
      <div class="form-actions">
        <${ConfirmButton} label="Delete API" danger message="New tokens for it are refused at once, and its grants to clients go with it."
          onConfirm=${async () => {
            await app.api.delete(path, etag);
            navigate('apis');
          }} />
      </div>
    </section>
    <${ApiForm} key=${etag} app=${app} path=${path} api=${api} etag=${etag} onStale=${loaded.reload}
      onSaved=${(answer) => {
        loaded.setData(answer);
        setNotice('Saved. Tokens issued before keep what they were given.');
      }} />`;
}

function ApiForm({ app, path, api, etag, onSaved, onStale }) {
  const [form, setForm] = useState({ name: api.name, scopes: api.scopes, access_token_ttl: String(api.access_token_ttl), is_default: api.is_default });
  const [stale, setStale] = useState(false);
  const set = (field) => (value) => setForm({ ...form, [field]: value });
  const submit = async () => {
    try {
      onSaved(await app.api.patch(path, { ...form, access_token_ttl: Number(form.access_token_ttl) }, etag));
    } catch (error) {
      setStale(error.code === 'precondition_failed');
      throw error;
    }
  };
  return html`<section class="card" aria-labelledby="api-edit">
    <h2 id="api-edit">Name, scopes and tokens</h2>
    <${Form} submitLabel="Save" onSubmit=${submit}
      secondary=${stale ? html`<button type="button" class="secondary" onClick=${onStale}>Load the current version</button>` : null}>
      <${TextField} label="Name" value=${form.name} onInput=${set('name')} required />
      <${ListField} label="Scopes" values=${form.scopes} onChange=${set('scopes')} />
      <${TextField} label="Access token lifetime (seconds)" type="number" value=${form.access_token_ttl} onInput=${set('access_token_ttl')} inputmode="numeric" />
      <${CheckboxField} label="Default API: used when a client names none" checked=${form.is_default} onChange=${set('is_default')} />
    <//>
  </section>`;
}
