import { html } from '../html.js';
import { formatDuration } from '../format.js';

/** A labelled native progress bar with the percentage and, while running, the time left. */
export function ProgressBar({ id, progress, remainingMs }) {
  const eta =
    remainingMs === null || remainingMs === undefined
      ? ''
      : `, about ${formatDuration(remainingMs)} left`;
  return html`
    <div class="progress">
      <label for=${id}>Progress</label>
      <progress id=${id} max="100" value=${progress}>${progress}%</progress>
      <span class="progress-text" data-testid="progress-text">${progress}%${eta}</span>
    </div>
  `;
}
