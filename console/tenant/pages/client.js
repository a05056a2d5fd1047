import { html, useState } from '../../shell/preact.js';
import { useAsync } from '../../shell/hooks.js';
import { Badge, CheckboxField, ConfirmButton, Dialog, ErrorNotice, Facts, Form, ListField, Loading, OnceValue, PageHeading, SuccessNotice, TextField, Time } from '../../shell/components.js';
import { navigate } from '../../shell/router.js';
import { KIND_LABELS, kindOf, snippetFor } from '../snippets.js';

const usesSecret = (client) => client.token_endpoint_auth_method === 'client_secret_basic' || client.token_endpoint_auth_method === 'client_secret_post';

/** One client: its facts, its URIs and CORS origins (If-Match), its secret, its API grants, delete. */
export function ClientPage({ app, params }) {
  const path = `/clients/${encodeURIComponent(params.id)}`;
  const loaded = useAsync(() => app.api.get(path), [params.id]);
  const [notice, setNotice] = useState('');
  const client = loaded.data?.data;
  const etag = loaded.data?.etag;
  if (!client) return html`<${PageHeading} title="Client" /><${ErrorNotice} error=${loaded.error} />${loaded.loading ? html`<${Loading} />` : null}`;

  const snippet = snippetFor(client, app.settings.issuer);
  return html`<${PageHeading} title=${client.name}>${client.first_party ? html`<${Badge}>first party<//>` : null}<//>
    <${SuccessNotice} message=${notice} />
    <section class="card" aria-labelledby="client-facts">
      <h2 id="client-facts">Client</h2>
      <${Facts} items=${[
        ['Client id', html`<code>${client.client_id}</code>`],
        ['Kind', KIND_LABELS[kindOf(client)]],
        ['Authenticates with', client.token_endpoint_auth_method],
        ['Grant types', client.grant_types.join(', ')],
        ['Created', html`<${Time} value=${client.created_at} />`],
        ['Changed', html`<${Time} value=${client.updated_at} />`],
        ...(client.previous_secret_expires_at ? [['Previous secret accepted until', html`<${Time} value=${client.previous_secret_expires_at} />`]] : []),
      ]} />
      <div class="form-actions">
        ${usesSecret(client)
          ? html`<${RotateSecretButton} app=${app} path=${path} etag=${etag} onRotated=${(answer) => {
              loaded.setData(answer);
            }} />`
          : null}
        <${ConfirmButton} label="Delete client" danger message=${`${client.name} stops working at once: its grants, codes and tokens are deleted with it.`}
          onConfirm=${async () => {
            await app.api.delete(path, etag);
            navigate('clients');
          }} />
      </div>
    </section>
    ${client.grant_types.includes('authorization_code')
      ? html`<${UrisForm} key=${etag} app=${app} path=${path} client=${client} etag=${etag} onStale=${loaded.reload}
          onSaved=${(answer) => {
            loaded.setData(answer);
            setNotice('Saved.');
          }} />`
      : null}
    ${client.grant_types.includes('client_credentials') ? html`<${ApiGrants} app=${app} path=${path} client=${client} etag=${etag} onChanged=${loaded.reload} />` : null}
    <section class="card" aria-labelledby="client-snippet">
      <h2 id="client-snippet">Quick start: ${snippet.title}</h2>
      <pre class="snippet"><code>${snippet.code}</code></pre>
    </section>`;
}

function UrisForm({ app, path, client, etag, onSaved, onStale }) {
  const [form, setForm] = useState({
    name: client.name,
    redirect_uris: client.redirect_uris,
    post_logout_redirect_uris: client.post_logout_redirect_uris,
    cors_origins: client.cors_origins,
    first_party: client.first_party,
  });
  const [stale, setStale] = useState(false);
  const set = (field) => (value) => setForm({ ...form, [field]: value });
  const submit = async () => {
    try {
      onSaved(await app.api.patch(path, form, etag));
    } catch (error) {
      setStale(error.code === 'precondition_failed');
      throw error;
    }
  };
  return html`<section class="card" aria-labelledby="client-uris">
    <h2 id="client-uris">Name, URIs and origins</h2>
    <${Form} submitLabel="Save" onSubmit=${submit}
      secondary=${stale ? html`<button type="button" class="secondary" onClick=${onStale}>Load the current version</button>` : null}>
      <${TextField} label="Name" value=${form.name} onInput=${set('name')} required />
      <${ListField} label="Redirect URIs" values=${form.redirect_uris} onChange=${set('redirect_uris')} hint="Matched exactly; one a line." />
      <${ListField} label="Post-logout redirect URIs" values=${form.post_logout_redirect_uris} onChange=${set('post_logout_redirect_uris')} rows=${2} />
      <${ListField} label="CORS origins" values=${form.cors_origins} onChange=${set('cors_origins')} rows=${2}
        hint="Browser origins allowed besides those of the redirect URIs, e.g. https://app.example.com; one a line." />
      <${CheckboxField} label="First party: the tenant's own app, no consent page" checked=${form.first_party} onChange=${set('first_party')} />
    <//>
  </section>`;
}

function RotateSecretButton({ app, path, etag, onRotated }) {
  const [open, setOpen] = useState(false);
  const [grace, setGrace] = useState('0');
  const [secret, setSecret] = useState(undefined);
  const close = () => {
    setOpen(false);
    setSecret(undefined);
    setGrace('0');
  };
  const submit = async () => {
    const answer = await app.api.post(`${path}/secret`, { grace_days: Number(grace) });
    setSecret(answer.data.client_secret);
    onRotated({ data: answer.data.client, etag: answer.etag });
  };
  return html`<button type="button" class="secondary" onClick=${() => setOpen(true)}>Rotate secret</button>
    <${Dialog} title="Give the client a new secret" open=${open} onClose=${close}>
      ${secret
        ? html`<${OnceValue} label="New client secret" value=${secret} />
            <p class="hint"><strong>Copy it now:</strong> it is shown this once.</p>
            <div class="form-actions"><button type="button" onClick=${close}>Done</button></div>`
        : html`<${Form} submitLabel="Rotate secret" onSubmit=${submit}>
            <${TextField} label="Days the old secret keeps working" type="number" value=${grace} onInput=${setGrace} inputmode="numeric" min="0"
              hint="0 stops it at once, as after a leak; a few days let the app's servers switch over." />
          <//>`}
    <//>`;
}

/** A machine client's APIs for client credentials: grant and withdraw one at a time. */
function ApiGrants({ app, path, client, etag, onChanged }) {
  const apis = useAsync(() => app.api.get('/apis', { limit: 100 }).then((answer) => answer.data.items), []);
  const [error, setError] = useState(undefined);
  const toggle = async (api, on) => {
    setError(undefined);
    try {
      if (on) await app.api.put(`${path}/apis/${api.id}`, undefined, etag);
      else await app.api.delete(`${path}/apis/${api.id}`, etag);
      onChanged();
    } catch (caught) {
      setError(caught);
    }
  };
  return html`<section class="card" aria-labelledby="client-apis">
    <h2 id="client-apis">APIs granted for client credentials</h2>
    <${ErrorNotice} error=${error ?? apis.error} />
    ${(apis.data ?? []).length === 0 && !apis.loading ? html`<p class="hint">The tenant has no API yet.</p>` : null}
    ${(apis.data ?? []).map(
      (api) => html`<${CheckboxField} key=${api.id} label=${`${api.name} (${api.identifier})`} checked=${client.granted_apis.includes(api.identifier)}
        onChange=${(on) => toggle(api, on)} />`,
    )}
  </section>`;
}
