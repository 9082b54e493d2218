// A form generated from a payload's JSON Schema (GET /api/v1/job-types): one labelled control
// per property. Empty controls are left out of the payload, so the type's defaults apply.
import { html } from '../html.js';

function kind(prop) {
  if (prop.enum) return 'enum';
  if (prop.type === 'boolean') return 'boolean';
  if (prop.type === 'integer' || prop.type === 'number') return 'number';
  if (prop.type === 'array') return 'array';
  if (prop.type === 'string') return 'string';
  return 'json';
}

function hint(prop) {
  const parts = [];
  if (prop.minimum !== undefined) parts.push(`at least ${prop.minimum}`);
  if (prop.maximum !== undefined) parts.push(`at most ${prop.maximum}`);
  if (prop.maxLength !== undefined) parts.push(`up to ${prop.maxLength} characters`);
  if (kind(prop) === 'array') parts.push('separate values with commas');
  if (kind(prop) === 'json') parts.push('a JSON object');
  return parts.join(', ');
}

function Field({ name, prop, required, value, onInput }) {
  const id = `field-${name}`;
  const hintText = hint(prop);
  const described = hintText ? `${id}-hint` : undefined;
  const common = { id, name, 'aria-describedby': described, required };
  const k = kind(prop);
  let control;
  if (k === 'boolean')
    control = html`<input
      type="checkbox"
      ...${common}
      checked=${value === true}
      onChange=${(e) => onInput(e.currentTarget.checked)}
    />`;
  else if (k === 'enum')
    control = html`<select
      ...${common}
      value=${value ?? ''}
      onChange=${(e) => onInput(e.currentTarget.value)}
    >
      <option value="">(default)</option>
      ${prop.enum.map((option) => html`<option value=${option}>${option}</option>`)}
    </select>`;
  else if (k === 'number')
    control = html`<input
      type="number"
      inputmode="numeric"
      ...${common}
      min=${prop.minimum}
      max=${prop.maximum}
      step=${prop.type === 'integer' ? 1 : 'any'}
      value=${value ?? ''}
      onInput=${(e) => onInput(e.currentTarget.value)}
    />`;
  else if (k === 'json')
    control = html`<textarea
      ...${common}
      rows="3"
      value=${value ?? ''}
      onInput=${(e) => onInput(e.currentTarget.value)}
    ></textarea>`;
  else
    control = html`<input
      type="text"
      ...${common}
      maxlength=${prop.maxLength}
      value=${value ?? ''}
      onInput=${(e) => onInput(e.currentTarget.value)}
    />`;
  return html`
    <div class=${`field field-${k}`}>
      <label for=${id}>${name}${required ? ' (required)' : ''}</label>
      ${control} ${hintText ? html`<small id=${described}>${hintText}</small>` : ''}
    </div>
  `;
}

export function SchemaForm({ schema, values, onChange }) {
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length === 0) return html`<p>This job type takes no payload fields.</p>`;
  const required = new Set(schema.required ?? []);
  return html`${properties.map(
    ([name, prop]) =>
      html`<${Field}
        key=${name}
        name=${name}
        prop=${prop}
        required=${required.has(name)}
        value=${values[name]}
        onInput=${(value) => onChange({ ...values, [name]: value })}
      />`,
  )}`;
}

/** The payload the values describe; throws naming the field a value cannot be read from. */
export function toPayload(schema, values) {
  const payload = {};
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const value = values[name];
    if (value === undefined || value === '' || value === false) continue;
    const k = kind(prop);
    if (k === 'boolean') payload[name] = true;
    else if (k === 'number') payload[name] = Number(value);
    else if (k === 'array')
      payload[name] = value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '')
        .map((v) => (['integer', 'number'].includes(prop.items?.type) ? Number(v) : v));
    else if (k === 'json') {
      try {
        payload[name] = JSON.parse(value);
      } catch {
        throw new Error(`${name}: not valid JSON`);
      }
    } else payload[name] = value;
  }
  return payload;
}
