import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { queryString } from '../api.js';
import { openStream } from '../events.js';
import { formatDate } from '../format.js';
import { navigate } from '../router.js';
import { seesAll } from '../roles.js';
import { announce } from '../parts/announcer.js';
import { Columns } from '../parts/columns.js';
import { ErrorMessage } from '../parts/error-message.js';
import { JobLink } from '../parts/job-link.js';
import { StatusBadge } from '../parts/status.js';
import { useApi } from '../parts/use-api.js';
import { TableScroll } from '../parts/table-scroll.js';

const STATUSES = ['pending', 'processing', 'completed', 'failed', 'cancelled'];
const SORTS = [
  ['-createdAt', 'Newest first'],
  ['createdAt', 'Oldest first'],
  ['-finishedAt', 'Finished, newest first'],
  ['finishedAt', 'Finished, oldest first'],
];
const TIMES = [
  ['createdFrom', 'Created from'],
  ['createdTo', 'Created before'],
  ['finishedFrom', 'Finished from'],
  ['finishedTo', 'Finished before'],
];
const TEXT_FILTERS = [
  'jobType',
  'userId',
  'parentId',
  'payload',
  'sort',
  'limit',
  ...TIMES.map(([n]) => n),
];

/** The filters of GET /api/v1/jobs, read from the route's query. */
function filtersFrom(params) {
  const filters = { status: params.getAll('status') };
  for (const name of TEXT_FILTERS) filters[name] = params.get(name) ?? '';
  return filters;
}

/** datetime-local values are local time without a zone; the api wants ISO 8601 with one. */
const toIso = (local) => (local ? new Date(local).toISOString() : '');
const toLocal = (iso) => {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

function FilterForm({ me, filters, types }) {
  const [draft, setDraft] = useState(filters);
  useEffect(() => setDraft(filters), [JSON.stringify(filters)]);
  const set = (name) => (e) => setDraft({ ...draft, [name]: e.currentTarget.value });
  const toggle = (status) => (e) =>
    setDraft({
      ...draft,
      status: e.currentTarget.checked
        ? [...draft.status, status]
        : draft.status.filter((s) => s !== status),
    });
  const textField = (name, label, { wide = false, ...attributes } = {}) => html`
    <div class=${wide ? 'field wide' : 'field'}>
      <label for=${`filter-${name}`}>${label}</label>
      <input
        id=${`filter-${name}`}
        name=${name}
        value=${draft[name]}
        onInput=${set(name)}
        ...${attributes}
      />
    </div>
  `;
  const submit = (event) => {
    event.preventDefault();
    navigate(`/jobs${queryString({ ...draft, after: undefined })}`);
  };
  const active =
    filters.status.length +
    TEXT_FILTERS.filter((n) => n !== 'sort' && n !== 'limit' && filters[n]).length;
  // open on a wide screen or with filters in use; a phone starts with the list in view
  const open = active > 0 || matchMedia('(min-width: 720px)').matches;
  return html`
    <details class="filters-box" open=${open}>
      <summary>Filters${active ? ` (${active} in use)` : ''}</summary>
      <form class="filters" role="search" aria-label="Filter jobs" onSubmit=${submit}>
        <fieldset>
          <legend>Status</legend>
          ${STATUSES.map(
            (s) =>
              html`<label class="check"
                ><input
                  type="checkbox"
                  name="status"
                  value=${s}
                  checked=${draft.status.includes(s)}
                  onChange=${toggle(s)}
                />
                ${s}</label
              >`,
          )}
        </fieldset>
        <div class="field">
          <label for="filter-type">Type</label>
          <select id="filter-type" name="jobType" value=${draft.jobType} onChange=${set('jobType')}>
            <option value="">Any type</option>
            ${types.map((t) => html`<option value=${t.name}>${t.name}</option>`)}
          </select>
        </div>
        ${seesAll(me) ? textField('userId', 'User', { placeholder: 'Any user' }) : ''}
        ${textField('parentId', 'Parent job id')}
        ${TIMES.map(
          ([name, label]) =>
            html`<div class="field">
              <label for=${`filter-${name}`}>${label}</label>
              <input
                type="datetime-local"
                id=${`filter-${name}`}
                name=${name}
                value=${toLocal(draft[name])}
                onInput=${(e) => setDraft({ ...draft, [name]: toIso(e.currentTarget.value) })}
              />
            </div>`,
        )}
        ${textField('payload', 'Payload contains (JSON object)', {
          wide: true,
          placeholder: '{"message":"hello"}',
          spellcheck: 'false',
        })}
        <div class="field">
          <label for="filter-sort">Order</label>
          <select
            id="filter-sort"
            name="sort"
            value=${draft.sort || '-createdAt'}
            onChange=${set('sort')}
          >
            ${SORTS.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
          </select>
        </div>
        <div class="actions">
          <button type="submit">Apply filters</button>
          <a href="#/jobs">Clear</a>
        </div>
      </form>
    </details>
  `;
}

export function JobsPage({ me, params }) {
  const filters = filtersFrom(params);
  const after = params.get('after') ?? '';
  // cursor paging throughout: `after=` (empty) asks for the first page by cursor
  const path = `/api/v1/jobs${queryString(filters)}${queryString(filters) ? '&' : '?'}after=${encodeURIComponent(after)}`;
  const list = useApi(path);
  const types = useApi('/api/v1/job-types');
  const [unseen, setUnseen] = useState(0);
  useEffect(() => {
    setUnseen(0);
    const stream = `/api/v1/jobs/events${queryString({ userId: filters.userId })}`;
    const patch = (event, fields) =>
      list.setData((page) => {
        if (!page) return page;
        if (!page.data.some((j) => j.id === event.jobId)) {
          if (event.status === 'pending' && fields.status) setUnseen((n) => n + 1);
          return page;
        }
        return {
          ...page,
          data: page.data.map((j) => (j.id === event.jobId ? { ...j, ...fields } : j)),
        };
      });
    return openStream(stream, {
      status: (e) =>
        patch(e, {
          status: e.status,
          progress: e.progress,
          ...(e.status === 'completed' || e.status === 'failed' || e.status === 'cancelled'
            ? { completedAt: e.at }
            : {}),
        }),
      progress: (e) => patch(e, { progress: e.progress }),
      reset: () => void list.reload(),
    });
  }, [path]);
  useEffect(() => {
    if (list.data) announce(`${list.data.data.length} jobs shown`);
  }, [list.data === null]);
  const jobs = list.data?.data ?? [];
  const cursor = list.data?.pagination?.cursor;
  return html`
    <h1 data-page-title>Jobs</h1>
    <${FilterForm} me=${me} filters=${filters} types=${types.data?.data ?? []} />
    <${ErrorMessage} error=${list.error} />
    ${
      unseen > 0
        ? html`<p class="notice">
            ${unseen} new job${unseen === 1 ? '' : 's'} since this list was loaded.${' '}
            <button
              type="button"
              class="secondary"
              onClick=${() => {
                setUnseen(0);
                void list.reload();
              }}
            >
              Show
            </button>
          </p>`
        : ''
    }
    <${TableScroll} label="Jobs">
      <table class="jobs">
        <caption class="visually-hidden">
          Jobs matching the filters
        </caption>
        <${Columns}
          names=${['Job', 'Type', 'Status', 'Progress', seesAll(me) && 'User', 'Created', 'Finished']}
        />
        <tbody>
          ${jobs.map(
            (job) =>
              html`<tr data-job-id=${job.id}>
                <td><${JobLink} id=${job.id} /></td>
                <td>${job.jobType}</td>
                <td><${StatusBadge} status=${job.status} /></td>
                <td>${job.progress}%</td>
                ${seesAll(me) ? html`<td>${job.userId}</td>` : ''}
                <td>${formatDate(job.createdAt)}</td>
                <td>${formatDate(job.completedAt)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </${TableScroll}>
    ${!list.loading && jobs.length === 0 ? html`<p>No job matches these filters.</p>` : ''}
    <nav class="pager" aria-label="Pages">
      ${after ? html`<a href=${`#/jobs${queryString(filters)}`}>First page</a>` : ''}
      ${cursor ? html`<a href=${`#/jobs${queryString({ ...filters, after: cursor })}`}>Next page</a>` : ''}
    </nav>
  `;
}
