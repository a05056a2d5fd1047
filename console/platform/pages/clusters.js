import { html } from '../../shell/preact.js';
import { useAsync } from '../../shell/hooks.js';
import { ErrorNotice, Loading, PageHeading, Table } from '../../shell/components.js';

/** The PostgreSQL clusters tenants are placed on, their URLs without passwords. */
export function ClustersPage({ app }) {
  const clusters = useAsync(() => app.api.get('/clusters').then((answer) => answer.data.clusters), []);
  const rows = clusters.data ?? [];
  return html`<${PageHeading} title="Clusters" />
    <${ErrorNotice} error=${clusters.error} />
    ${clusters.loading && rows.length === 0 ? html`<${Loading} />` : null}
    <${Table} caption="Clusters" head=${['Name', 'URL', 'Pooled URL', 'Tenants']} rows=${rows.length}>
      ${rows.map(
        (cluster) => html`<tr>
          <td>${cluster.name}</td>
          <td><code>${cluster.url}</code></td>
          <td>${cluster.pooled_url ? html`<code>${cluster.pooled_url}</code>` : html`<span class="muted">—</span>`}</td>
          <td class="num">${cluster.tenants}</td>
        </tr>`,
      )}
    <//>`;
}
