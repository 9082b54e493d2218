/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for tests: every line must be
 * a `# HELP`, a `# TYPE` or a sample of a family whose TYPE came first, with the suffixes its
 * type allows; anything else throws naming the line. (The npm parsers at hand accept garbage as
 * untyped samples and merge a labelled histogram's series into one.)
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: -?\\d+)?$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;
const SUFFIXES: Record<Family['type'], string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const help = new Map<string, string>();
  for (const [i, line] of text.split('\n').entries()) {
    const fail = (why: string) => new Error(`line ${i + 1} ${why}: ${JSON.stringify(line)}`);
    if (line === '') continue;
    const meta = new RegExp(`^# (HELP|TYPE) (${NAME}) ?(.*)$`).exec(line);
    if (meta) {
      const [, kind, name, rest] = meta;
      if (kind === 'HELP') help.set(name, rest);
      else if (!(rest in SUFFIXES)) throw fail(`has an unknown type`);
      else if (families.has(name)) throw fail('declares a family twice');
      else families.set(name, { name, type: rest as Family['type'], help: '', samples: [] });
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = SAMPLE.exec(line);
    if (!sample) throw fail('is not a sample');
    const [, name, labelText = '', valueText] = sample;
    const family = [...families.values()].find((f) =>
      SUFFIXES[f.type].some((s) => `${f.name}${s}` === name),
    );
    if (!family) throw fail('belongs to no declared family');
    const value = parseValue(valueText);
    if (value === undefined) throw fail('has no number');
    family.samples.push({ name, labels: parseLabels(labelText, fail), value });
  }
  for (const family of families.values()) family.help = help.get(family.name) ?? '';
  return families;
}

/** As Prometheus reads values (Go's ParseFloat): NaN and Inf in any letter case ("Nan" too). */
function parseValue(text: string): number | undefined {
  if (/^nan$/i.test(text)) return NaN;
  const inf = /^([+-]?)inf(inity)?$/i.exec(text);
  if (inf) return inf[1] === '-' ? -Infinity : Infinity;
  const value = Number(text);
  return Number.isNaN(value) || text.trim() === '' ? undefined : value;
}

function parseLabels(text: string, fail: (why: string) => Error): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (!match) throw fail('has malformed labels');
    labels[match[1]] = match[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

/** The value of the one sample named `name` whose labels include `labels`; throws if not one. */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const found = [...families.values()]
    .flatMap((f) => f.samples)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length !== 1)
    throw new Error(`${found.length} samples ${name}${JSON.stringify(labels)}, expected one`);
  return found[0].value;
}
