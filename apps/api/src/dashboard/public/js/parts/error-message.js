import { html } from '../html.js';

/** An api error as text, with the fields it names. */
export function ErrorMessage({ error }) {
  if (!error) return null;
  return html`
    <div class="error" role="alert">
      <p>${error.message}${error.code ? html` <code>${error.code}</code>` : ''}</p>
      ${
        error.details?.length
          ? html`<ul>
              ${error.details.map((d) => html`<li><code>${d.field}</code>: ${d.message}</li>`)}
            </ul>`
          : ''
      }
    </div>
  `;
}
