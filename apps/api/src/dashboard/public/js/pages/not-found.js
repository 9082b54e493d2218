import { html } from '../html.js';

export const NotFoundPage = ({ what = 'page' }) => html`
  <h1 data-page-title>Not found</h1>
  <p>There is no such ${what}, or it is not yours to see.</p>
  <p><a href="#/jobs">Back to the jobs</a></p>
`;
