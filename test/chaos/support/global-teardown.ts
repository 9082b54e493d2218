import { readdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { TIMINGS_ENV } from './global-setup';

interface FileTiming {
  file: string;
  from: number;
  to: number;
}

/** Prints each chaos file's wall time and the tier's (first start to last end). */
export default function globalTeardown(): void {
  const dir = process.env[TIMINGS_ENV];
  if (!dir) return;
  const timings = readdirSync(dir).map(
    (f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as FileTiming,
  );
  rmSync(dir, { recursive: true, force: true });
  if (timings.length === 0) return;
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const span = Math.max(...timings.map((t) => t.to)) - Math.min(...timings.map((t) => t.from));
  const lines = timings
    .sort((a, b) => a.file.localeCompare(b.file))
    .map((t) => `  ${t.file}: ${s(t.to - t.from)}`);
  process.stdout.write(
    `\nchaos tier: ${s(span)} wall time, ${timings.length} files\n${lines.join('\n')}\n`,
  );
}
