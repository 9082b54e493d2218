import { html } from '../html.js';

/** A table's header row; a falsy entry is a column the caller's role does not get. */
export const Columns = ({ names }) => html`
  <thead>
    <tr>
      ${names.filter(Boolean).map((name) => html`<th scope="col">${name}</th>`)}
    </tr>
  </thead>
`;
