import { html, useState } from '../../shell/preact.js';
import { useAsync } from '../../shell/hooks.js';
import { ConfirmButton, Dialog, Form, PageHeading, SuccessNotice, TextField } from '../../shell/components.js';
import { ListTable } from '../../shell/list.js';

/**
 * The PostgreSQL clusters tenants are placed on, their URLs without passwords: register one
 * (`POST /clusters`, as `tansu cluster add`), unregister an empty one (`DELETE /clusters/<name>`).
 */
export function ClustersPage({ app }) {
  const clusters = useAsync(() => app.api.get('/clusters').then((answer) => answer.data.clusters), []);
  const [notice, setNotice] = useState('');
  return html`<${PageHeading} title="Clusters">
      <${AddClusterButton} app=${app} onAdded=${(cluster) => {
        setNotice(`${cluster.name} is registered: new tenants may be placed on it.`);
        clusters.reload();
      }} />
    <//>
    <${SuccessNotice} message=${notice} />
    <${ListTable} list=${clusters} caption="Clusters" head=${['Name', 'URL', 'Pooled URL', 'Tenants', '']}
      row=${(cluster) => html`<tr>
        <td>${cluster.name}</td>
        <td class="url"><code>${cluster.url}</code></td>
        <td class=${cluster.pooled_url ? 'url' : ''}>${cluster.pooled_url ? html`<code>${cluster.pooled_url}</code>` : html`<span class="muted">—</span>`}</td>
        <td class="num">${cluster.tenants}</td>
        <td>${cluster.tenants === 0
          ? html`<${ConfirmButton} label="Remove" title=${`Unregister the cluster ${cluster.name}`} confirmLabel="Unregister it"
              message="The platform forgets the cluster; its server and any database on it stay as they are."
              onConfirm=${async () => {
                await app.api.delete(`/clusters/${encodeURIComponent(cluster.name)}`);
                setNotice(`${cluster.name} is unregistered.`);
                clusters.reload();
              }} />`
          : null}</td>
      </tr>`} />`;
}

function AddClusterButton({ app, onAdded }) {
  const empty = { name: '', url: '', pooled_url: '' };
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState(empty);
  const set = (field) => (value) => setForm({ ...form, [field]: value });
  const close = () => {
    setOpen(false);
    setForm(empty);
  };
  const submit = async () => {
    const body = { name: form.name.trim(), url: form.url.trim() };
    if (form.pooled_url.trim()) body.pooled_url = form.pooled_url.trim();
    const answer = await app.api.post('/clusters', body);
    close();
    onAdded(answer.data);
  };
  return html`<button type="button" onClick=${() => setOpen(true)}>Add cluster</button>
    <${Dialog} title="Register a cluster" open=${open} onClose=${close}>
      <${Form} submitLabel="Add cluster" busyLabel="Connecting to it…" onSubmit=${submit}>
        <${TextField} label="Name" value=${form.name} onInput=${set('name')} required autocomplete="off" hint="Lowercase letters, digits and hyphens, up to 31." />
        <${TextField} label="Superuser URL" type="password" value=${form.url} onInput=${set('url')} required autocomplete="off"
          hint="postgres://user:password@host:port/postgres. It is checked by connecting, stored encrypted and shown without its password." />
        <${TextField} label="Pooled URL" type="password" value=${form.pooled_url} onInput=${set('pooled_url')} autocomplete="off"
          hint="Optional: a transaction-mode pooler (PgBouncer, PgCat) in front of it, which requests go through." />
      <//>
    <//>`;
}
