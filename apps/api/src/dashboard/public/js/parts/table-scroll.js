import { html } from '../html.js';

/**
 * A wide table's own horizontal scroll (a phone screen), reachable from the keyboard: a named,
 * focusable region, so arrow keys scroll it.
 */
export const TableScroll = ({ label, children }) => html`
  <div class="table-scroll" role="region" aria-label=${label} tabindex="0">${children}</div>
`;
