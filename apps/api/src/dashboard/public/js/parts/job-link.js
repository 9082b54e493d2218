import { html } from '../html.js';

/** A job's short id as a link to its page; screen readers hear the whole id. */
export const JobLink = ({ id }) => html`
  <a href=${`#/jobs/${id}`}
    ><code>${id.slice(0, 8)}</code><span class="visually-hidden"> (job ${id})</span></a
  >
`;
