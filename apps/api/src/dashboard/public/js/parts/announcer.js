// One polite live region for the whole app: results of actions and live changes are read out
// by screen readers without moving focus.
import { html } from '../html.js';

let region = null;

export function announce(message) {
  if (!region) return;
  // cleared first, so the same message twice is read twice
  region.textContent = '';
  setTimeout(() => (region.textContent = message), 50);
}

export const Announcer = () =>
  html`<div
    class="visually-hidden"
    aria-live="polite"
    role="status"
    ref=${(el) => (region = el)}
  ></div>`;
