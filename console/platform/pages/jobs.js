import { html, useEffect, useState } from '../../shell/preact.js';
import { useAsync, usePaged } from '../../shell/hooks.js';
import { Badge, ConfirmButton, ErrorNotice, Facts, Loading, PageHeading, Time } from '../../shell/components.js';
import { ListTable } from '../../shell/list.js';
import { Link, navigate } from '../../shell/router.js';

const POLL_MS = 1000;
const TONES = { succeeded: 'ok', failed: 'danger', running: 'neutral', queued: 'neutral' };
const KINDS = { restore: 'Restore', move: 'Move', migrate_fleet: 'Fleet migration' };
const unfinished = (job) => job.status === 'queued' || job.status === 'running';

function jobStatus(status) {
  return html`<${Badge} tone=${TONES[status] ?? 'neutral'}>${status}<//>`;
}

/** How far a job got: a progress bar when it knows its total, else the step and the count. */
function Progress({ job }) {
  const { step, done, total } = job.progress ?? {};
  const bar = total ? html`<progress max=${total} value=${done ?? 0} aria-label=${`${KINDS[job.kind] ?? job.kind}: ${done ?? 0} of ${total}`}></progress> ` : null;
  return html`<span>${bar}${step ?? ''}${done !== null && done !== undefined ? ` (${done}${total ? ` of ${total}` : ''})` : ''}</span>`;
}

/** Calls `tick` every second while `active`. */
function usePolling(active, tick) {
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(tick, POLL_MS);
    return () => clearInterval(timer);
  }, [active]);
}

/** The platform's jobs (moves, restores, fleet migrations), newest first; start a fleet migration. */
export function JobsPage({ app }) {
  const paged = usePaged((cursor) => app.api.get('/jobs', { limit: 25, cursor }).then((answer) => ({ items: answer.data.jobs, next_cursor: answer.data.next_cursor })), []);
  usePolling(paged.items.some(unfinished) && paged.number === 1, paged.reload);
  return html`<${PageHeading} title="Jobs">
      <${ConfirmButton} label="Migrate the fleet" title="Migrate every tenant database"
        message="Applies the pending migrations to the templates and to every tenant database, as tansu migrate does; the job's page follows it."
        onConfirm=${async () => {
          const answer = await app.api.post('/fleet/migrate', {});
          navigate(`jobs/${answer.data.job.id}`);
        }} />
    <//>
    <${ListTable} list=${paged} caption="Jobs" head=${['Job', 'Tenant', 'Status', 'Progress', 'Started', 'Finished']} pagerLabel="Pages of jobs" empty="No job yet: moves, restores and fleet migrations run as jobs."
      row=${(job) => html`<tr>
        <td><${Link} to=${`jobs/${job.id}`}>${KINDS[job.kind] ?? job.kind}<//></td>
        <td>${job.tenant ? html`<${Link} to=${`tenants/${job.tenant}`}>${job.tenant}<//>` : html`<span class="muted">—</span>`}</td>
        <td>${jobStatus(job.status)}</td>
        <td><${Progress} job=${job} /></td>
        <td><${Time} value=${job.started_at} /></td>
        <td><${Time} value=${job.finished_at} /></td>
      </tr>`} />`;
}

/** One job, followed live: `GET /jobs/<id>` every second until it succeeded or failed. */
export function JobPage({ app, params }) {
  const loaded = useAsync(() => app.api.get(`/jobs/${encodeURIComponent(params.id)}`).then((answer) => answer.data.job), [params.id]);
  const [job, setJob] = useState(undefined);
  const current = job ?? loaded.data;
  usePolling(current !== undefined && unfinished(current), async () => {
    try {
      setJob((await app.api.get(`/jobs/${encodeURIComponent(params.id)}`)).data.job);
    } catch {
      // A missed poll is retried on the next tick.
    }
  });
  if (!current) return html`<${PageHeading} title="Job" /><${ErrorNotice} error=${loaded.error} />${loaded.loading ? html`<${Loading} />` : null}`;
  return html`<${PageHeading} title=${`${KINDS[current.kind] ?? current.kind} job`}>${jobStatus(current.status)}<//>
    <section class="card" aria-labelledby="job-facts" aria-live="polite">
      <h2 id="job-facts">Progress</h2>
      <${Facts} items=${[
        ['Status', jobStatus(current.status)],
        ['Progress', html`<${Progress} job=${current} />`],
        ['Tenant', current.tenant ? html`<${Link} to=${`tenants/${current.tenant}`}>${current.tenant}<//>` : '—'],
        ['Started by', current.created_by],
        ['Queued', html`<${Time} value=${current.created_at} />`],
        ['Started', html`<${Time} value=${current.started_at} />`],
        ['Finished', html`<${Time} value=${current.finished_at} />`],
      ]} />
    </section>
    ${current.error ? html`<${ErrorNotice} error=${{ code: current.error.code, description: current.error.description }} />` : null}
    ${current.result ? html`<section class="card" aria-labelledby="job-result"><h2 id="job-result">Result</h2><pre class="details">${JSON.stringify(current.result, null, 2)}</pre></section>` : null}`;
}
