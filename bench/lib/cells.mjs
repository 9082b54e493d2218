// Table cells shared by the summary's tables: medians over runs, (min–max), CPU per process.

export const med = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

export const fmt = (x, d = 0) =>
  Number.isFinite(x)
    ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
    : '–';

/** The median over runs, with (min–max) when there are several. */
export const cell = (xs, d = 0) => {
  const v = xs.filter(Number.isFinite);
  if (!v.length) return '–';
  return v.length === 1
    ? fmt(v[0], d)
    : `${fmt(med(v), d)} (${fmt(Math.min(...v), d)}–${fmt(Math.max(...v), d)})`;
};

/** Median % of one core per process over `cpus` (one CPU block per run). */
export function cpuCell(cpus) {
  const m = (k) => med(cpus.map((c) => c?.[k]).filter((x) => x != null));
  const parts = [`node ${fmt(m('bench_node'))}`];
  for (const [k, lbl] of [
    ['worker', 'worker'],
    ['worker_lambda', 'worker_lambda'],
    ['api', 'api'],
    ['lambda', 'lambda'],
    ['postgres', 'pg'],
    ['redis', 'redis'],
    ['fauxqs', 'fauxqs'],
  ]) {
    const v = m(k);
    if (Number.isFinite(v) && v >= 1) parts.push(`${lbl} ${fmt(v)}`);
  }
  parts.push(`machine ${fmt(m('machine_busy'))}`);
  return parts.join(' / ');
}

/** Busy CPU that belongs to nobody in this benchmark (other tenants), % of one core. */
export const foreign = (cpu) =>
  Math.max(0, (cpu?.unattributed ?? 0) - (cpu?.irq_softirq ?? 0), cpu?.other_procs ?? 0);
