import { useEffect } from 'preact/hooks';
import { html } from '../html.js';
import { formatDate, formatDuration } from '../format.js';
import { Columns } from '../parts/columns.js';
import { ErrorMessage } from '../parts/error-message.js';
import { useApi } from '../parts/use-api.js';
import { TableScroll } from '../parts/table-scroll.js';

/** Heartbeats are not job events: the list is read again every few seconds while shown. */
const REFRESH_MS = 5000;

export function WorkersPage() {
  const workers = useApi('/api/v1/admin/workers');
  useEffect(() => {
    const timer = setInterval(() => void workers.reload(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [workers.reload]);
  const rows = workers.data?.data ?? [];
  return html`
    <h1 data-page-title>Workers</h1>
    <${ErrorMessage} error=${workers.error} />
    <${TableScroll} label="Workers">
      <table>
        <caption class="visually-hidden">
          Worker processes, most recently seen first
        </caption>
        <${Columns} names=${['Worker', 'State', 'Jobs in flight', 'Last heartbeat', 'Started']} />
        <tbody>
          ${rows.map(
            (w) =>
              html`<tr>
                <td><code>${w.workerId}</code></td>
                <td>
                  ${
                    w.live === false
                      ? html`<span class="badge status-failed">silent</span>`
                      : html`<span class="badge status-completed">live</span>`
                  }
                </td>
                <td>${w.inFlight}</td>
                <td>${formatDuration(w.ageMs)} ago</td>
                <td>${formatDate(w.startedAt)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </${TableScroll}>
    ${!workers.loading && rows.length === 0 ? html`<p>No worker has reported yet.</p>` : ''}
  `;
}
