import { useEffect, useMemo } from 'preact/hooks';
import { html } from '../html.js';
import { openStream } from '../events.js';
import { formatDuration } from '../format.js';
import { Chart } from '../parts/chart.js';
import { Columns } from '../parts/columns.js';
import { ErrorMessage } from '../parts/error-message.js';
import { JobTypeStates } from '../parts/job-type-states.js';
import { useApi } from '../parts/use-api.js';
import { TableScroll } from '../parts/table-scroll.js';
import { readOnly } from '../roles.js';

const STATUSES = ['pending', 'processing', 'completed', 'failed', 'cancelled'];
/** Live events refresh the figures at most this often: a busy queue sends thousands a second. */
const REFRESH_MS = 2000;

const orDash = (n) => (n === null || n === undefined ? '—' : n);

export function OverviewPage({ me }) {
  const overview = useApi('/api/v1/jobs/stats/overview');
  const health = useApi('/api/v1/admin/health');
  useEffect(() => {
    let timer = null;
    const soon = () => {
      timer ??= setTimeout(() => {
        timer = null;
        void overview.reload();
      }, REFRESH_MS);
    };
    const close = openStream('/api/v1/jobs/events', { status: soon, reset: soon });
    return () => {
      close();
      clearTimeout(timer);
    };
  }, [overview.reload]);
  const data = overview.data?.data;
  const charts = useMemo(() => (data ? chartData(data.throughput) : null), [data]);
  if (overview.error && !data)
    return html`<h1 data-page-title>Overview</h1>
      <${ErrorMessage} error=${overview.error} />`;
  if (!data)
    return html`<h1 data-page-title>Overview</h1>
      <p>Loading…</p>`;
  const sqs = health.data?.data?.sqs;
  const workers = health.data?.data?.workers;
  return html`
    <h1 data-page-title>Overview</h1>
    <section aria-labelledby="counts-title">
      <h2 id="counts-title">Jobs by status</h2>
      <dl class="cards">
        <div>
          <dt>All jobs</dt>
          <dd>${data.totalJobs}</dd>
        </div>
        ${STATUSES.map(
          (s) =>
            html`<div class=${`card-${s}`}>
              <dt><a href=${`#/jobs?status=${s}`}>${s}</a></dt>
              <dd>${data.byStatus[s]}</dd>
            </div>`,
        )}
      </dl>
    </section>
    <section aria-labelledby="queue-title">
      <h2 id="queue-title">Queue</h2>
      <dl class="cards">
        <div>
          <dt>Waiting in SQS</dt>
          <dd>${orDash(data.queueDepth)}</dd>
        </div>
        <div>
          <dt>In flight in SQS</dt>
          <dd>${orDash(sqs?.queue?.inFlight)}</dd>
        </div>
        <div>
          <dt><a href="#/dlq">Dead-letter queue</a></dt>
          <dd>${orDash(data.deadLetterDepth)}</dd>
        </div>
        <div>
          <dt>Outbox backlog</dt>
          <dd>${orDash(data.outbox.backlog)}</dd>
        </div>
        <div>
          <dt>Oldest unsent</dt>
          <dd>
            ${data.outbox.oldestAgeSeconds === null ? '—' : formatDuration(data.outbox.oldestAgeSeconds * 1000)}
          </dd>
        </div>
        <div>
          <dt><a href="#/workers">Live workers</a></dt>
          <dd>${orDash(workers?.live)}</dd>
        </div>
        <div>
          <dt>Mean run time</dt>
          <dd>
            ${data.averageProcessingTime === null ? '—' : formatDuration(data.averageProcessingTime * 1000)}
          </dd>
        </div>
        <div>
          <dt>Failure rate (all time)</dt>
          <dd>${data.failureRate}%</dd>
        </div>
      </dl>
    </section>
    <section aria-labelledby="charts-title">
      <h2 id="charts-title">The last hour</h2>
      <div class="charts">
        <${Chart}
          id="throughput"
          title="Throughput per minute"
          summary=${charts.throughputSummary}
          series=${[
            { label: 'completed', stroke: '#1a7f37', width: 2 },
            { label: 'failed', stroke: '#cf222e', width: 2 },
          ]}
          data=${charts.throughput}
        />
        <${Chart}
          id="failure-rate"
          title="Failure rate per minute (%)"
          summary=${charts.failureSummary}
          series=${[{ label: 'failed %', stroke: '#9a6700', width: 2 }]}
          data=${charts.failureRate}
        />
      </div>
    </section>
    <section aria-labelledby="types-title">
      <h2 id="types-title">Jobs by type</h2>
      <${TableScroll} label="Jobs by type">
        <table>
          <${Columns} names=${['Type', ...STATUSES]} />
          <tbody>
            ${data.byType.map(
              (t) =>
                html`<tr>
                  <th scope="row">
                    <a href=${`#/jobs?jobType=${encodeURIComponent(t.jobType)}`}>${t.jobType}</a>
                  </th>
                  ${STATUSES.map((s) => html`<td>${t.byStatus[s]}</td>`)}
                </tr>`,
            )}
          </tbody>
        </table>
      </${TableScroll}>
    </section>
    <${JobTypeStates} canChange=${!readOnly(me)} onChange=${overview.reload} />
  `;
}

function chartData(points) {
  const at = points.map((p) => Date.parse(p.at) / 1000);
  const completed = points.map((p) => p.completed);
  const failed = points.map((p) => p.failed);
  const rate = points.map((p) =>
    p.completed + p.failed === 0 ? null : (100 * p.failed) / (p.completed + p.failed),
  );
  const sum = (xs) => xs.reduce((a, b) => a + b, 0);
  const done = sum(completed);
  const lost = sum(failed);
  return {
    throughput: [at, completed, failed],
    failureRate: [at, rate],
    throughputSummary: `${done} completed and ${lost} failed attempts in the last hour.`,
    failureSummary:
      done + lost === 0
        ? 'No attempt ended in the last hour.'
        : `${((100 * lost) / (done + lost)).toFixed(1)}% of attempts failed in the last hour.`,
  };
}
