import { html } from '../html.js';

export const StatusBadge = ({ status }) =>
  html`<span class=${`badge status-${status}`}>${status}</span>`;
