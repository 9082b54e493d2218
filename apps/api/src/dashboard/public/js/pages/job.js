import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { openStream } from '../events.js';
import { estimateRemainingMs, formatDate, json } from '../format.js';
import { readOnly } from '../roles.js';
import { announce } from '../parts/announcer.js';
import { ErrorMessage } from '../parts/error-message.js';
import { ProgressBar } from '../parts/progress.js';
import { StatusBadge } from '../parts/status.js';
import { useApi } from '../parts/use-api.js';
import { NotFoundPage } from './not-found.js';

/** One job: its state follows the job's event stream; log lines are appended as they are written. */
export function JobPage({ me, id }) {
  const job = useApi(`/api/v1/jobs/${encodeURIComponent(id)}`);
  // the log comes from the stream alone: a fresh one-job stream sends the log so far first
  const [logs, setLogs] = useState([]);
  const [actionError, setActionError] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(
    () =>
      openStream(`/api/v1/jobs/${encodeURIComponent(id)}/events`, {
        status: (e) => {
          announce(`Job ${e.status}`);
          // times, retry state and the result come with the full record
          void job.reload();
        },
        progress: (e) => job.setData((d) => d && { data: { ...d.data, progress: e.progress } }),
        log: (e) => setLogs((lines) => [...lines, { ...e, timestamp: e.at }]),
        reset: () => {
          setLogs([]);
          void job.reload();
        },
      }),
    [id],
  );
  if (job.error?.status === 404 || job.error?.status === 400)
    return html`<${NotFoundPage} what="job" />`;
  if (!job.data)
    return html`<h1 data-page-title>Job</h1>
      ${job.error ? html`<${ErrorMessage} error=${job.error} />` : html`<p>Loading…</p>`}`;
  const j = job.data.data;
  const act = async (label, request) => {
    setBusy(true);
    setActionError(null);
    try {
      const answer = await request();
      announce(`${label}: ${answer.data.status}`);
      await job.reload();
    } catch (error) {
      setActionError(error);
    } finally {
      setBusy(false);
    }
  };
  const canChange = !readOnly(me);
  const cancellable = ['pending', 'processing'].includes(j.status) && !j.cancelRequested;
  const retryable = ['failed', 'cancelled'].includes(j.status);
  const remaining = j.status === 'processing' ? estimateRemainingMs(j.startedAt, j.progress) : null;
  return html`
    <h1 data-page-title>Job <code>${j.id}</code></h1>
    <section aria-labelledby="state-title" class="job-state">
      <h2 id="state-title" class="visually-hidden">State</h2>
      <p>
        Status:${' '}
        <span data-testid="job-status"><${StatusBadge} status=${j.status} /></span>
        ${j.cancelRequested ? html` <span>(cancellation requested)</span>` : ''}
      </p>
      <${ProgressBar} id="job-progress" progress=${j.progress} remainingMs=${remaining} />
      ${
        canChange && (cancellable || retryable)
          ? html`<div class="actions">
              ${
                cancellable
                  ? html`<button
                      type="button"
                      class="danger"
                      disabled=${busy}
                      onClick=${() => act('Cancel', () => api(`/api/v1/jobs/${j.id}/cancel`, { method: 'PUT' }))}
                    >
                      Cancel job
                    </button>`
                  : ''
              }
              ${
                retryable
                  ? html`<button
                      type="button"
                      disabled=${busy}
                      onClick=${() => act('Retry', () => api(`/api/v1/jobs/${j.id}/retry`, { method: 'POST' }))}
                    >
                      Retry job
                    </button>`
                  : ''
              }
            </div>`
          : ''
      }
      <${ErrorMessage} error=${actionError} />
      <dl class="facts">
        <div>
          <dt>Type</dt>
          <dd>${j.jobType}</dd>
        </div>
        <div>
          <dt>User</dt>
          <dd>${j.userId}</dd>
        </div>
        <div>
          <dt>Retries</dt>
          <dd>${j.retryCount} of ${j.maxRetries}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>${formatDate(j.createdAt)}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>${formatDate(j.startedAt)}</dd>
        </div>
        <div>
          <dt>Finished</dt>
          <dd>${formatDate(j.completedAt)}</dd>
        </div>
        <div>
          <dt>Next retry</dt>
          <dd>${formatDate(j.nextRetryAt)}</dd>
        </div>
        <div>
          <dt>Children</dt>
          <dd><a href=${`#/jobs?parentId=${j.id}`}>Jobs it created</a></dd>
        </div>
      </dl>
      ${j.errorMessage ? html`<p class="error">Last error: ${j.errorMessage}</p>` : ''}
    </section>
    <div class="two-columns">
      <section aria-labelledby="payload-title">
        <h2 id="payload-title">Payload</h2>
        <pre tabindex="0" aria-labelledby="payload-title">${json(j.payload)}</pre>
      </section>
      <section aria-labelledby="result-title">
        <h2 id="result-title">Result</h2>
        ${
          j.results === null || j.results === undefined
            ? html`<p>None yet.</p>`
            : html`<pre tabindex="0" aria-labelledby="result-title" data-testid="job-result">
${json(j.results)}</pre>`
        }
      </section>
    </div>
    <section aria-labelledby="logs-title">
      <h2 id="logs-title">Logs</h2>
      <div class="logs" role="log" aria-labelledby="logs-title" tabindex="0">
        <ol>
          ${logs.map(
            (line) =>
              html`<li class=${`log-${line.level}`}>
                <time datetime=${line.timestamp}>${formatDate(line.timestamp)}</time>
                <span class="log-meta">${logMeta(line)}</span>
                <span class="log-message">${line.message}</span>
              </li>`,
          )}
        </ol>
      </div>
    </section>
  `;
}

/** "info · worker · attempt 2" */
const logMeta = (line) =>
  [line.level, line.source, line.attempt ? `attempt ${line.attempt}` : null]
    .filter(Boolean)
    .join(' · ');
