import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JOB_CATALOGUE } from '@app/handlers';
import { parser } from '@prometheus-io/lezer-promql';
import { Metrics } from './metrics';

/** deploy/grafana/jobqueue.json, read as Grafana would import it. */
const DASHBOARD = join(__dirname, '../../../deploy/grafana/jobqueue.json');
/** Labels Prometheus adds to every series it scrapes, and the histograms' bucket label. */
const TARGET_LABELS = ['instance', 'job', 'le'];

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}
interface Dashboard {
  panels: Panel[];
  templating: { list: { name: string; definition?: string }[] };
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const exprs = panels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
);

/** The metric families this process registers, with their label names. */
const families = new Map(
  new Metrics(JOB_CATALOGUE).registry
    .getMetricsAsArray()
    .map((m) => [m.name, (m as unknown as { labelNames: string[] }).labelNames ?? []] as const),
);

/** A series name as PromQL writes it (`x_bucket`), resolved to its family (`x`). */
function family(series: string): string | undefined {
  const base = series.replace(/_(bucket|sum|count)$/, '');
  return families.has(series) ? series : families.has(base) ? base : undefined;
}

/** Metric names and label names an expression uses, after Grafana's variables are filled in. */
function parse(expr: string): { errors: number; metrics: string[]; labels: string[] } {
  const text = expr.replace(/\$__(rate_interval|interval|range)/g, '5m');
  const found = { errors: 0, metrics: [] as string[], labels: [] as string[] };
  const cursor = parser.parse(text).cursor();
  do {
    const node = text.slice(cursor.from, cursor.to);
    if (cursor.type.isError) found.errors++;
    else if (cursor.name === 'Identifier' && cursor.node.parent?.name === 'VectorSelector')
      found.metrics.push(node);
    else if (cursor.name === 'LabelName') found.labels.push(node);
  } while (cursor.next());
  return found;
}

describe('the Grafana dashboard (deploy/grafana/jobqueue.json)', () => {
  it('has panels with queries, each valid PromQL', () => {
    expect(exprs.length).toBeGreaterThan(10);
    for (const { panel, expr } of exprs)
      expect({ panel, errors: parse(expr).errors }).toEqual({ panel, errors: 0 });
  });

  it('references only metrics the registry has, with labels those metrics carry', () => {
    for (const { panel, expr } of exprs) {
      const { metrics, labels } = parse(expr);
      expect({ panel, unknown: metrics.filter((m) => !family(m)) }).toEqual({ panel, unknown: [] });
      const known = new Set([
        ...TARGET_LABELS,
        ...metrics.flatMap((m) => families.get(family(m)!)!),
      ]);
      expect({ panel, unknown: labels.filter((l) => !known.has(l)) }).toEqual({
        panel,
        unknown: [],
      });
    }
  });

  it('shows every jobqueue_ metric the services export', () => {
    const used = new Set(exprs.flatMap(({ expr }) => parse(expr).metrics.map(family)));
    const own = [...families.keys()].filter((name) => name.startsWith('jobqueue_'));
    expect(own.filter((name) => !used.has(name))).toEqual([]);
  });

  it('offers the job types through a variable read from a metric that exists', () => {
    const variable = dashboard.templating.list.find((v) => v.name === 'job_type');
    const [, metric, label] =
      /^label_values\((\w+), *(\w+)\)$/.exec(variable?.definition ?? '') ?? [];
    expect(families.get(metric)).toContain(label);
  });
});
