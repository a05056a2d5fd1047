import { html, useState } from '../../shell/preact.js';
import { CheckboxField, ErrorNotice, PageHeading, TextField, useId } from '../../shell/components.js';
import { navigate } from '../../shell/router.js';

/**
 * "Restore": uploads a backup file (`POST /tenants/<id>/restore`, the file as the body) and
 * follows the restore job it starts. The upload goes through XMLHttpRequest, the one browser API
 * that reports how much of a request body is sent, so a large backup shows its progress.
 */

/** What `tenants/<id>/backup` names its file: `<id>-<UTC time>.tansu-backup`. */
const BACKUP_FILE = /^([a-z][a-z0-9-]*?)-\d{8}T\d{6}Z\.tansu-backup$/;

const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
export function sizeText(bytes) {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** A refusal of the upload, in the API's words where it answered, as the pages' other errors are. */
function refusalOf(status, body, file) {
  if (status === 413) {
    return {
      code: body?.error ?? 'payload_too_large',
      description: `${file.name} (${sizeText(file.size)}) is too large for this server: ${body?.error_description ?? 'it refused the upload (RESTORE_UPLOAD_MAX_BYTES)'}. Nothing was stored. Raise RESTORE_UPLOAD_MAX_BYTES, or restore it on the server with tansu tenant restore.`,
    };
  }
  if (status === 0) return { code: 'upload_failed', description: 'The upload did not reach the server, or the connection broke during it. Try again.' };
  return { code: body?.error ?? `http_${status}`, description: body?.error_description ?? `the admin API answered ${status}` };
}

/**
 * Sends `file` as the request body, calling `onProgress(sent, total)` as it goes.
 * @returns {Promise<{status: number, body: any}>}
 */
function upload(url, token, file, onProgress) {
  return new Promise((resolve) => {
    const request = new XMLHttpRequest();
    request.open('POST', url);
    request.setRequestHeader('authorization', `Bearer ${token}`);
    request.setRequestHeader('content-type', 'application/octet-stream');
    request.setRequestHeader('accept', 'application/json');
    request.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    const done = () => {
      let body = null;
      try {
        body = request.responseText ? JSON.parse(request.responseText) : null;
      } catch {
        body = null;
      }
      resolve({ status: request.status, body });
    };
    request.onload = done;
    request.onerror = done;
    request.onabort = done;
    request.send(file);
  });
}

export function RestorePage({ app }) {
  const fileId = useId();
  const [file, setFile] = useState(/** @type {File | undefined} */ (undefined));
  const [form, setForm] = useState({ tenant: new URLSearchParams(location.search).get('tenant') ?? '', as: '', cluster: '', force: false });
  const [progress, setProgress] = useState(/** @type {{sent: number, total: number} | undefined} */ (undefined));
  const [error, setError] = useState(undefined);
  const set = (field) => (value) => setForm({ ...form, [field]: value });
  const busy = progress !== undefined;

  const choose = (event) => {
    const chosen = event.currentTarget.files?.[0];
    setFile(chosen);
    setError(undefined);
    const named = chosen ? BACKUP_FILE.exec(chosen.name)?.[1] : undefined;
    if (named && !form.tenant) setForm({ ...form, tenant: named });
  };

  const submit = async (event) => {
    event.preventDefault();
    if (!file) return setError({ code: 'invalid_request', description: 'Choose the backup file first.' });
    setError(undefined);
    setProgress({ sent: 0, total: file.size });
    try {
      const query = new URLSearchParams();
      if (form.as.trim()) query.set('as', form.as.trim());
      if (form.cluster.trim()) query.set('cluster', form.cluster.trim());
      if (form.force) query.set('force', 'true');
      const url = `${app.settings.api}/tenants/${encodeURIComponent(form.tenant.trim())}/restore${query.size > 0 ? `?${query}` : ''}`;
      const answer = await upload(url, await app.session.accessToken(), file, (sent, total) => setProgress({ sent, total }));
      if (answer.status === 202) {
        navigate(`jobs/${answer.body.job.id}`);
        return;
      }
      setError(refusalOf(answer.status, answer.body, file));
    } catch (caught) {
      setError(caught);
    }
    setProgress(undefined);
  };

  const percent = progress && progress.total > 0 ? Math.floor((progress.sent / progress.total) * 100) : 0;
  return html`<${PageHeading} title="Restore a tenant" />
    <section class="card">
      <p>Upload a backup made by <strong>Download backup</strong> or <code>tansu tenant backup</code>. It is stored on the server, and a job checks
        its seal and restores it; the job's page follows it.</p>
      <form onSubmit=${submit}>
        <div class="field">
          <label for=${fileId}>Backup file</label>
          <input id=${fileId} type="file" accept=".tansu-backup,application/octet-stream" required aria-describedby=${`${fileId}-hint`} disabled=${busy} onChange=${choose} />
          <p class="hint" id=${`${fileId}-hint`}>A <code>.tansu-backup</code> file${file ? `: ${file.name}, ${sizeText(file.size)}` : ''}.</p>
        </div>
        <${TextField} label="Tenant in the backup" value=${form.tenant} onInput=${set('tenant')} required autocomplete="off"
          hint="The id of the tenant the backup was made of; read from the file's name when it has the usual one." />
        <${TextField} label="Restore as" value=${form.as} onInput=${set('as')} autocomplete="off"
          hint="Optional: another id, for an independent copy (new signing keys, none of the sessions or tokens). Empty restores the tenant itself." />
        <${TextField} label="Cluster" value=${form.cluster} onInput=${set('cluster')} autocomplete="off" hint="Optional, for a tenant that does not exist yet: defaults to the least loaded." />
        <${CheckboxField} label="Replace the tenant if it exists" checked=${form.force} onChange=${set('force')}
          hint="Its current data is replaced by the backup's. Without this, restoring over an existing tenant is refused." />
        ${busy
          ? html`<div class="upload-progress">
              <progress max="100" value=${percent} aria-label="Upload progress"></progress>
              <span>${sizeText(progress.sent)} of ${sizeText(progress.total)}</span>
            </div>`
          : null}
        <p class="visually-hidden" role="status" aria-live="polite">${busy ? (percent < 100 ? `Uploading: ${Math.floor(percent / 25) * 25} %` : 'Uploaded; starting the restore') : ''}</p>
        <${ErrorNotice} error=${error} />
        <div class="form-actions"><button type="submit" disabled=${busy}>${busy ? 'Uploading…' : 'Upload and restore'}</button></div>
      </form>
    </section>`;
}
