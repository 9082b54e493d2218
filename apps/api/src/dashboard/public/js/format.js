const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export const formatDate = (iso) => (iso ? dateTime.format(new Date(iso)) : '—');

export function formatDuration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Time left from the run so far and the progress, or null before any progress. */
export function estimateRemainingMs(startedAt, progress, now = Date.now()) {
  if (!startedAt || !(progress > 0) || progress >= 100) return null;
  const elapsed = now - new Date(startedAt).getTime();
  return (elapsed * (100 - progress)) / progress;
}

export const json = (value) => JSON.stringify(value, null, 2);
