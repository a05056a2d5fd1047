import { html, useState } from '../../shell/preact.js';
import { usePaged } from '../../shell/hooks.js';
import { Badge, Dialog, Form, OnceValue, PageHeading, SelectField, TextField, Time } from '../../shell/components.js';
import { ListTable } from '../../shell/list.js';
import { Link } from '../../shell/router.js';

const PAGE_SIZE = 25;
const TONES = { active: 'ok', suspended: 'warn', failed: 'danger' };

export function tenantStatus(status) {
  return html`<${Badge} tone=${TONES[status] ?? 'neutral'}>${status}<//>`;
}

/** Every tenant of the platform, a page at a time by id, filtered by status; create one. */
export function TenantsPage({ app }) {
  const [status, setStatus] = useState('');
  const paged = usePaged(
    (cursor) => app.api.get('/tenants', { status, limit: PAGE_SIZE, cursor }).then((answer) => ({ items: answer.data.tenants, next_cursor: answer.data.next_cursor })),
    [status],
  );
  return html`<${PageHeading} title="Tenants"><${CreateTenantButton} app=${app} onCreated=${paged.reload} /><//>
    <div class="filters card">
      <${SelectField} label="Status" value=${status} onChange=${setStatus}
        options=${[['', 'any'], ['active', 'active'], ['suspended', 'suspended'], ['provisioning', 'provisioning'], ['maintenance', 'maintenance'], ['failed', 'failed']]} />
    </div>
    <${ListTable} list=${paged} caption="Tenants" head=${['Id', 'Name', 'Status', 'Cluster', 'Created']} pagerLabel="Pages of tenants" empty="No tenant matches."
      row=${(tenant) => html`<tr>
        <td><${Link} to=${`tenants/${tenant.id}`}>${tenant.id}<//></td>
        <td>${tenant.name}</td>
        <td>${tenantStatus(tenant.status)}</td>
        <td>${tenant.cluster}</td>
        <td><${Time} value=${tenant.created_at} /></td>
      </tr>`} />`;
}

/** "Create tenant": `POST /tenants`; a generated password for its first admin is shown once. */
function CreateTenantButton({ app, onCreated }) {
  const empty = { id: '', name: '', admin_email: '', admin_password: '', cluster: '' };
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState(empty);
  const [created, setCreated] = useState(undefined);
  const set = (field) => (value) => setForm({ ...form, [field]: value });
  const close = () => {
    setOpen(false);
    setCreated(undefined);
    setForm(empty);
  };
  const submit = async () => {
    const body = { id: form.id.trim() };
    for (const field of ['name', 'admin_email', 'admin_password', 'cluster']) if (form[field].trim()) body[field] = form[field].trim();
    const answer = await app.api.post('/tenants', body);
    setCreated(answer.data);
    onCreated();
  };
  return html`<button type="button" onClick=${() => setOpen(true)}>Create tenant</button>
    <${Dialog} title=${created ? `Tenant ${created.tenant.id} is ready` : 'Create a tenant'} open=${open} onClose=${close}>
      ${created
        ? html`<p>Its issuer is <code>${created.tenant.issuer}</code>; its first administrator is <strong>${created.admin.email}</strong>.</p>
            ${created.admin.password ? html`<${OnceValue} label="Password" value=${created.admin.password} />
              <p class="hint">Shown only now: hand it to the administrator, who should change it.</p>` : null}
            <div class="form-actions">
              <${Link} class="button" to=${`tenants/${created.tenant.id}`}>Open the tenant<//>
              <button type="button" class="secondary" onClick=${close}>Close</button>
            </div>`
        : html`<${Form} submitLabel="Create tenant" busyLabel="Creating the tenant…" onSubmit=${submit}>
            <${TextField} label="Id" value=${form.id} onInput=${set('id')} required autocomplete="off"
              hint="3 to 40 lowercase letters, digits and single hyphens; it names the tenant's URLs (/t/<id>) and cannot change." />
            <${TextField} label="Name" value=${form.name} onInput=${set('name')} hint="Defaults to the id." />
            <${TextField} label="First administrator's email" type="email" value=${form.admin_email} onInput=${set('admin_email')} autocomplete="off" hint="Defaults to admin@<id>.localhost." />
            <${TextField} label="Their password" type="password" value=${form.admin_password} onInput=${set('admin_password')} autocomplete="new-password"
              hint="Leave empty for a generated one, shown once." />
            <${TextField} label="Cluster" value=${form.cluster} onInput=${set('cluster')} hint="A registered cluster; defaults to the least loaded." />
          <//>`}
    <//>`;
}
