import { html, useState } from '../../shell/preact.js';
import { useAsync } from '../../shell/hooks.js';
import { ActionButton, Badge, ConfirmButton, Dialog, ErrorNotice, Facts, Form, Loading, PageHeading, SelectField, SuccessNotice, Time } from '../../shell/components.js';
import { ListTable } from '../../shell/list.js';
import { Link, navigate } from '../../shell/router.js';
import { tenantStatus } from './tenants.js';

const KEY_TONES = { active: 'ok', next: 'neutral', retired: 'warn' };

/**
 * One tenant: its facts; suspend or resume, download a backup, restore one, move, rotate its
 * keys (its key list follows), recover from an interrupted move or restore, delete.
 */
export function TenantPage({ app, params }) {
  const path = `/tenants/${encodeURIComponent(params.id)}`;
  const loaded = useAsync(() => app.api.get(path), [params.id]);
  const keys = useAsync(() => app.api.get(`${path}/keys`).then((answer) => answer.data), [params.id]);
  const [notice, setNotice] = useState('');
  const tenant = loaded.data?.data;
  if (!tenant) return html`<${PageHeading} title=${`Tenant ${params.id}`} /><${ErrorNotice} error=${loaded.error} />${loaded.loading ? html`<${Loading} />` : null}`;

  const setSuspended = async (action) => {
    loaded.setData(await app.api.post(`${path}/${action}`));
    setNotice(action === 'suspend' ? 'Suspended: its endpoints answer 403 tenant_suspended until it is resumed.' : 'Resumed: it serves again.');
  };
  return html`<${PageHeading} title=${`Tenant ${tenant.id}`}>${tenantStatus(tenant.status)}<//>
    <${SuccessNotice} message=${notice} />
    <section class="card" aria-labelledby="tenant-facts">
      <h2 id="tenant-facts">${tenant.name}</h2>
      <${Facts} items=${[
        ['Status', tenantStatus(tenant.status)],
        ['Issuer', html`<code>${tenant.issuer}</code>`],
        ['Cluster', tenant.cluster],
        ['Database', html`<code>${tenant.database}</code>`],
        ...(tenant.failure_reason ? [['Failure', tenant.failure_reason]] : []),
        ['Created', html`<${Time} value=${tenant.created_at} />`],
        ['Changed', html`<${Time} value=${tenant.updated_at} />`],
      ]} />
      <div class="form-actions">
        ${tenant.status === 'active' ? html`<${ActionButton} label="Suspend" className="secondary" onClick=${() => setSuspended('suspend')} />` : null}
        ${tenant.status === 'suspended' ? html`<${ActionButton} label="Resume" onClick=${() => setSuspended('resume')} />` : null}
        ${tenant.status === 'active' || tenant.status === 'suspended' ? html`<${BackupButton} app=${app} tenant=${tenant} />` : null}
        <${MoveButton} app=${app} tenant=${tenant} />
        <${ConfirmButton} label="Rotate signing keys" title=${`Rotate the signing keys of ${tenant.id}`}
          message="Its published next key starts signing, the active key retires (still published for the grace period), and a new next key is published."
          onConfirm=${async () => {
            const answer = await app.api.post(`${path}/keys/rotate`, {});
            setNotice(`Rotated: ${answer.data.activated} signs from now on.`);
            keys.reload();
          }} />
        <${Link} class="button secondary" to=${`restore?tenant=${encodeURIComponent(tenant.id)}`}>Restore from a backup…<//>
        ${tenant.status === 'maintenance'
          ? html`<${ConfirmButton} label="Recover" title=${`Recover ${tenant.id}`} confirmLabel="Recover it"
              message="For a tenant left in maintenance by a move or restore that was interrupted: it serves again from its registered database. Only do this when no job is still running for it."
              onConfirm=${async () => {
                const answer = await app.api.post(`${path}/recover`);
                loaded.reload();
                setNotice(`Recovered.${answer.data.leftovers.length > 0 ? ` Databases left on its cluster to inspect and drop by hand: ${answer.data.leftovers.join(', ')}.` : ''}`);
              }} />`
          : null}
        <${ConfirmButton} label="Delete tenant" danger title=${`Delete the tenant ${tenant.id}`} confirmLabel="Delete it for good"
          message=${`Its database, users, clients and keys are dropped for good, and ${tenant.issuer} stops answering. Download a backup first if you may need it again.`}
          onConfirm=${async () => {
            await app.api.delete(path);
            navigate('');
          }} />
      </div>
    </section>
    <section class="card" aria-labelledby="tenant-keys">
      <h2 id="tenant-keys">Signing keys</h2>
      ${keys.data ? html`<p>Rotated every ${keys.data.policy.rotate_every_days} days; a retired key stays published for ${keys.data.policy.grace_days} days.</p>` : null}
      <${ListTable} list=${{ ...keys, data: keys.data?.keys }} caption="Signing keys" head=${['Key id', 'Algorithm', 'State', 'Signing since', 'Leaves the JWKS']}
        row=${(key) => html`<tr>
          <td><code>${key.kid}</code></td>
          <td>${key.alg}</td>
          <td><${Badge} tone=${KEY_TONES[key.state] ?? 'neutral'}>${key.state}<//>${key.published ? null : html` <span class="muted">(not published)</span>`}</td>
          <td><${Time} value=${key.activated_at} /></td>
          <td><${Time} value=${key.unpublish_at} /></td>
        </tr>`} />
    </section>`;
}

/**
 * The backup is a download behind the bearer token, so a plain link cannot fetch it: the file is
 * read with the token and handed to the browser as a blob.
 */
function BackupButton({ app, tenant }) {
  const [error, setError] = useState(undefined);
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const response = await fetch(`${app.settings.api}/tenants/${encodeURIComponent(tenant.id)}/backup`, {
        headers: { authorization: `Bearer ${await app.session.accessToken()}` },
      });
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        throw { code: body.error, description: body.error_description ?? `the admin API answered ${response.status}` };
      }
      const name = /filename="?([^";]+)"?/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? `${tenant.id}.tansu-backup`;
      const url = URL.createObjectURL(await response.blob());
      const link = Object.assign(document.createElement('a'), { href: url, download: name });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return html`<button type="button" class="secondary" disabled=${busy} onClick=${download}>${busy ? 'Preparing the backup…' : 'Download backup'}</button>
    ${error ? html`<${ErrorNotice} error=${error} />` : null}`;
}

/** "Move": starts a move job to another cluster and follows it on the job's page. */
function MoveButton({ app, tenant }) {
  const [open, setOpen] = useState(false);
  const clusters = useAsync(() => (open ? app.api.get('/clusters').then((answer) => answer.data.clusters) : Promise.resolve([])), [open]);
  const others = (clusters.data ?? []).filter((cluster) => cluster.name !== tenant.cluster);
  const [to, setTo] = useState('');
  const submit = async () => {
    const answer = await app.api.post(`/tenants/${encodeURIComponent(tenant.id)}/move`, { to: to || others[0]?.name });
    navigate(`jobs/${answer.data.job.id}`);
  };
  return html`<button type="button" class="secondary" onClick=${() => setOpen(true)}>Move…</button>
    <${Dialog} title=${`Move ${tenant.id} to another cluster`} open=${open} onClose=${() => setOpen(false)}>
      <${ErrorNotice} error=${clusters.error} />
      ${clusters.loading ? html`<${Loading} />` : others.length === 0
        ? html`<p>There is no other cluster to move it to: register one first (Clusters).</p>`
        : html`<${Form} submitLabel="Start the move" onSubmit=${submit}>
            <${SelectField} label="Cluster" value=${to || others[0].name} onChange=${setTo} options=${others.map((cluster) => [cluster.name, cluster.name])}
              hint="The tenant is in maintenance (503) while its database is copied; the job's page shows how far it got." />
          <//>`}
    <//>`;
}
