import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { formatDate } from '../format.js';
import { announce } from './announcer.js';
import { Columns } from './columns.js';
import { ErrorMessage } from './error-message.js';
import { TableScroll } from './table-scroll.js';
import { useApi } from './use-api.js';

/** Every job type, running or paused; an admin pauses and resumes them, a viewer only reads. */
export function JobTypeStates({ canChange, onChange }) {
  const types = useApi('/api/v1/job-types');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(null);
  const toggle = async (type) => {
    const action = type.paused ? 'resume' : 'pause';
    setBusy(type.name);
    setError(null);
    try {
      await api(`/api/v1/job-types/${encodeURIComponent(type.name)}/${action}`, { method: 'PUT' });
      announce(`${type.name} ${type.paused ? 'resumed' : 'paused'}`);
      await types.reload();
      onChange?.();
    } catch (problem) {
      setError(problem);
    } finally {
      setBusy(null);
    }
  };
  return html`
    <section aria-labelledby="type-states-title">
      <h2 id="type-states-title">Job types</h2>
      <p>A paused type starts nothing; its jobs wait pending until it is resumed.</p>
      <${ErrorMessage} error=${types.error ?? error} />
      <${TableScroll} label="Job types">
        <table>
          <${Columns} names=${['Type', 'State', canChange && html`<span class="visually-hidden">Action</span>`]} />
          <tbody>
            ${(types.data?.data ?? []).map(
              (t) =>
                html`<tr>
                  <th scope="row">${t.name}</th>
                  <td>
                    ${t.paused ? `paused since ${formatDate(t.pausedAt)} by ${t.pausedBy ?? '—'}` : 'running'}
                  </td>
                  ${
                    canChange &&
                    html`<td>
                      <button
                        type="button"
                        class="secondary"
                        disabled=${busy !== null}
                        onClick=${() => toggle(t)}
                      >
                        ${t.paused ? 'Resume' : 'Pause'} ${t.name}
                      </button>
                    </td>`
                  }
                </tr>`,
            )}
          </tbody>
        </table>
      </${TableScroll}>
    </section>
  `;
}
