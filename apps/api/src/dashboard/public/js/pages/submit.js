import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { announce } from '../parts/announcer.js';
import { ErrorMessage } from '../parts/error-message.js';
import { SchemaForm, toPayload } from '../parts/schema-form.js';
import { useApi } from '../parts/use-api.js';

/** POST /api/v1/jobs with a payload form generated from the chosen type's JSON Schema. */
export function SubmitPage({ params }) {
  const types = useApi('/api/v1/job-types');
  const list = types.data?.data ?? [];
  const [chosen, setName] = useState(params.get('type') ?? '');
  const [values, setValues] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  // until the user picks one: echo, the type for trying things out, else the first
  const name = chosen || (list.some((t) => t.name === 'echo') ? 'echo' : (list[0]?.name ?? ''));
  const type = list.find((t) => t.name === name);
  const choose = (e) => {
    setName(e.currentTarget.value);
    setValues({});
    setError(null);
  };
  const submit = async (event) => {
    event.preventDefault();
    setError(null);
    let payload;
    try {
      payload = toPayload(type.payloadSchema, values);
    } catch (problem) {
      return setError({ message: problem.message });
    }
    setBusy(true);
    try {
      const answer = await api('/api/v1/jobs', {
        method: 'POST',
        body: { jobType: type.name, payload },
      });
      announce('Job submitted');
      navigate(`/jobs/${answer.data.id}`);
    } catch (problem) {
      setError(problem);
      setBusy(false);
    }
  };
  return html`
    <h1 data-page-title>Submit a job</h1>
    <${ErrorMessage} error=${types.error} />
    <form class="submit" onSubmit=${submit} novalidate>
      <div class="field">
        <label for="job-type">Job type</label>
        <select
          id="job-type"
          name="jobType"
          value=${name}
          onChange=${choose}
          aria-describedby="job-type-description"
        >
          ${list.map((t) => html`<option value=${t.name}>${t.name}</option>`)}
        </select>
        <small id="job-type-description">${type?.description ?? ''}</small>
      </div>
      ${
        type
          ? html`<fieldset>
              <legend>Payload</legend>
              <${SchemaForm}
                key=${type.name}
                schema=${type.payloadSchema}
                values=${values}
                onChange=${setValues}
              />
            </fieldset>`
          : ''
      }
      <${ErrorMessage} error=${error} />
      <button type="submit" disabled=${busy || !type}>Submit</button>
    </form>
  `;
}
