import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, queryString } from '../api.js';
import { formatDate } from '../format.js';
import { readOnly } from '../roles.js';
import { announce } from '../parts/announcer.js';
import { Columns } from '../parts/columns.js';
import { ErrorMessage } from '../parts/error-message.js';
import { JobLink } from '../parts/job-link.js';
import { useApi } from '../parts/use-api.js';
import { TableScroll } from '../parts/table-scroll.js';

const PAGE_SIZE = 50;

/** Dead jobs (failed for good) and their re-drive: admins act, viewers only read. */
export function DlqPage({ me, params }) {
  const page = Number(params.get('page') ?? '1') || 1;
  const dead = useApi(`/api/v1/jobs/dlq${queryString({ page, limit: PAGE_SIZE })}`);
  const [selected, setSelected] = useState(new Set());
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const jobs = dead.data?.data ?? [];
  const total = dead.data?.pagination.total ?? 0;
  const canChange = !readOnly(me);
  const toggle = (id) => (e) => {
    const next = new Set(selected);
    if (e.currentTarget.checked) next.add(id);
    else next.delete(id);
    setSelected(next);
  };
  const redrive = async (body) => {
    setBusy(true);
    setError(null);
    try {
      const answer = await api('/api/v1/jobs/dlq/redrive', { method: 'POST', body });
      announce(`${answer.data.redriven} job${answer.data.redriven === 1 ? '' : 's'} queued again`);
      setSelected(new Set());
      await dead.reload();
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <h1 data-page-title>Dead letters</h1>
    <p>
      Jobs that failed for good (retries used up, or a permanent error). ${total} in all.${' '}
      ${canChange ? 'Re-driving runs them again from a fresh attempt.' : 'Your role can read them, not re-drive them.'}
    </p>
    <${ErrorMessage} error=${dead.error ?? error} />
    ${
      canChange
        ? html`<div class="actions">
            <button
              type="button"
              disabled=${busy || selected.size === 0}
              onClick=${() => redrive({ jobIds: [...selected] })}
            >
              Re-drive selected (${selected.size})
            </button>
            <button
              type="button"
              class="secondary"
              disabled=${busy || total === 0}
              onClick=${() => redrive({ all: true })}
            >
              Re-drive all
            </button>
          </div>`
        : ''
    }
    <${TableScroll} label="Dead jobs">
      <table>
        <caption class="visually-hidden">
          Dead jobs, newest first
        </caption>
        <${Columns}
          names=${[canChange && html`<span class="visually-hidden">Select</span>`, 'Job', 'Type', 'User', 'Failed']}
        />
        <tbody>
          ${jobs.map(
            (job) =>
              html`<tr data-job-id=${job.id}>
                ${
                  canChange
                    ? html`<td>
                        <input
                          type="checkbox"
                          id=${`select-${job.id}`}
                          checked=${selected.has(job.id)}
                          onChange=${toggle(job.id)}
                          aria-label=${`Select job ${job.id}`}
                        />
                      </td>`
                    : ''
                }
                <td><${JobLink} id=${job.id} /></td>
                <td>${job.jobType}</td>
                <td>${job.userId}</td>
                <td>${formatDate(job.completedAt)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </${TableScroll}>
    ${!dead.loading && jobs.length === 0 ? html`<p>The dead-letter queue is empty.</p>` : ''}
    <nav class="pager" aria-label="Pages">
      ${page > 1 ? html`<a href=${`#/dlq?page=${page - 1}`}>Previous page</a>` : ''}
      ${page * PAGE_SIZE < total ? html`<a href=${`#/dlq?page=${page + 1}`}>Next page</a>` : ''}
    </nav>
  `;
}
