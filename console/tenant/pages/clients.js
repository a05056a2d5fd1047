import { html, useState } from '../../shell/preact.js';
import { useAsync, usePaged } from '../../shell/hooks.js';
import { Badge, CheckboxField, Form, ListField, OnceValue, PageHeading, SelectField, SuccessNotice, TextField, Time } from '../../shell/components.js';
import { ListTable } from '../../shell/list.js';
import { Link } from '../../shell/router.js';
import { KIND_LABELS, kindOf, snippetFor } from '../snippets.js';

/** The tenant's clients (the built-in console and account clients are no rows, so not listed). */
export function ClientsPage({ app }) {
  const paged = usePaged((cursor) => app.api.get('/clients', { limit: 20, cursor }).then((answer) => answer.data), []);
  return html`<${PageHeading} title="Clients"><${Link} to="clients/new" class="button">Create client<//><//>
    <${ListTable} list=${paged} caption="Clients" head=${['Name', 'Client id', 'Kind', 'Grants', 'Created']} pagerLabel="Pages of clients" empty="No client yet: create one for each app that signs users in or calls an API."
      row=${(client) => html`<tr>
        <td><${Link} to=${`clients/${encodeURIComponent(client.client_id)}`}>${client.name}<//>${client.first_party ? html` <${Badge}>first party<//>` : null}</td>
        <td><code>${client.client_id}</code></td>
        <td>${KIND_LABELS[kindOf(client)].split(' (')[0]}</td>
        <td>${client.grant_types.join(', ')}</td>
        <td><${Time} value=${client.created_at} /></td>
      </tr>`} />`;
}

/** What each kind of app is registered as. */
const PRESETS = {
  web: { type: 'confidential', grant_types: ['authorization_code', 'refresh_token'] },
  spa: { type: 'public', grant_types: ['authorization_code', 'refresh_token'] },
  native: { type: 'public', grant_types: ['authorization_code', 'refresh_token'] },
  machine: { type: 'confidential', grant_types: ['client_credentials'] },
};

/** "Create client": `POST /clients`; the secret is shown this once, beside the quick start. */
export function NewClientPage({ app }) {
  const [kind, setKind] = useState('web');
  const [form, setForm] = useState({ name: '', redirect_uris: [], post_logout_redirect_uris: [], cors_origins: [], resources: [], first_party: false });
  const [created, setCreated] = useState(undefined);
  const apis = useAsync(() => app.api.get('/apis', { limit: 100 }).then((answer) => answer.data.items), []);
  const set = (field) => (value) => setForm({ ...form, [field]: value });
  const signsUsersIn = kind !== 'machine';

  const submit = async () => {
    const body = { name: form.name, ...PRESETS[kind] };
    if (signsUsersIn) {
      body.redirect_uris = form.redirect_uris;
      body.post_logout_redirect_uris = form.post_logout_redirect_uris;
      body.first_party = form.first_party;
      if (kind === 'spa') body.cors_origins = form.cors_origins;
    }
    if (form.resources.length > 0) body.resources = form.resources;
    const answer = await app.api.post('/clients', body);
    setCreated(answer.data);
  };

  if (created) {
    const client = created.client;
    const snippet = snippetFor(client, app.settings.issuer);
    return html`<${PageHeading} title=${`${client.name} is registered`} />
      <${SuccessNotice} message="The client can be used at once." />
      <section class="card" aria-labelledby="created-credentials">
        <h2 id="created-credentials">Credentials</h2>
        <${OnceValue} label="Client id" value=${client.client_id} />
        ${created.client_secret
          ? html`<${OnceValue} label="Client secret" value=${created.client_secret} />
              <p class="hint"><strong>Copy the secret now:</strong> it is shown this once and stored only as a hash. If it is lost, rotate it.</p>`
          : html`<p class="hint">This client has no secret: it proves itself with PKCE.</p>`}
      </section>
      <section class="card" aria-labelledby="created-snippet">
        <h2 id="created-snippet">Quick start: ${snippet.title}</h2>
        <pre class="snippet"><code>${snippet.code}</code></pre>
      </section>
      <p><${Link} to=${`clients/${encodeURIComponent(client.client_id)}`}>Open ${client.name}<//> · <${Link} to="clients">All clients<//></p>`;
  }

  const apiOptions = apis.data ?? [];
  return html`<${PageHeading} title="Create a client" />
    <section class="card">
      <${Form} submitLabel="Create client" onSubmit=${submit}>
        <${TextField} label="Name" value=${form.name} onInput=${set('name')} required hint="Shown to users when the app asks for their consent." />
        <${SelectField} label="Kind of app" value=${kind} onChange=${setKind} options=${Object.entries(KIND_LABELS)} />
        ${signsUsersIn
          ? html`<${ListField} key="redirect" label="Redirect URIs" values=${form.redirect_uris} onChange=${set('redirect_uris')}
                hint="Where the app receives the sign-in's answer, matched exactly; one a line." />
              <${ListField} key="logout" label="Post-logout redirect URIs" values=${form.post_logout_redirect_uris} onChange=${set('post_logout_redirect_uris')} rows=${2} />
              ${kind === 'spa'
                ? html`<${ListField} key="cors" label="CORS origins" values=${form.cors_origins} onChange=${set('cors_origins')} rows=${2}
                    hint="Browser origins allowed to call the token endpoint besides those of the redirect URIs, e.g. https://app.example.com." />`
                : null}
              <${CheckboxField} label="First party: the tenant's own app, no consent page" checked=${form.first_party} onChange=${set('first_party')} />`
          : null}
        <fieldset class="field">
          <legend>${signsUsersIn ? 'APIs it may get tokens for (none ticked: every API)' : 'APIs granted to it'}</legend>
          ${apiOptions.length === 0 ? html`<p class="hint">The tenant has no API yet.</p>` : null}
          ${apiOptions.map(
            (api) => html`<${CheckboxField} label=${`${api.name} (${api.identifier})`} checked=${form.resources.includes(api.identifier)}
              onChange=${(on) => set('resources')(on ? [...form.resources, api.identifier] : form.resources.filter((value) => value !== api.identifier))} />`,
          )}
        </fieldset>
      <//>
    </section>`;
}
