import { existsSync, readFileSync } from 'node:fs';

/**
 * One line of a scenario's history, appended by a chaos handler as it runs:
 * - start:   the handler began attempt `attempt` of `jobId`;
 * - end:     it returned a result (whether the database kept that result is another matter);
 * - failed:  it threw on purpose (chaos-fail-once's first attempt): the job's own failure;
 * - aborted: its AbortSignal fired (cancelled, shutdown, lost to a takeover, timed out).
 * A start with no later line for the same attempt is a run whose process died under it.
 */
export interface HistoryLine {
  event: 'start' | 'end' | 'failed' | 'aborted';
  jobId: string;
  attempt: number;
  /** The chaos worker's name (CHAOS_WORKER). */
  worker: string;
  /** Date.now() in the worker. */
  at: number;
  reason?: string;
}

/** One handler run: its start line and the line that closed it, if any. */
export interface HandlerRun {
  jobId: string;
  attempt: number;
  worker: string;
  start: HistoryLine;
  close: HistoryLine | undefined;
  lines: HistoryLine[];
}

export function readHistory(file: string): HistoryLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as HistoryLine);
}

/** Runs per job, in the order they started. */
export function runsByJob(lines: readonly HistoryLine[]): Map<string, HandlerRun[]> {
  const byJob = new Map<string, HandlerRun[]>();
  for (const line of lines) {
    const runs = byJob.get(line.jobId) ?? [];
    byJob.set(line.jobId, runs);
    if (line.event === 'start') {
      runs.push({
        jobId: line.jobId,
        attempt: line.attempt,
        worker: line.worker,
        start: line,
        close: undefined,
        lines: [line],
      });
      continue;
    }
    const run = runs.findLast(
      (r) => r.attempt === line.attempt && r.worker === line.worker && !r.close,
    );
    if (run) {
      run.close = line;
      run.lines.push(line);
    } else {
      // a closing line with no open run: kept as a run of its own so the invariants report it
      runs.push({
        jobId: line.jobId,
        attempt: line.attempt,
        worker: line.worker,
        start: line,
        close: line,
        lines: [line],
      });
    }
  }
  return byJob;
}

/** Runs whose worker aborted them because it could not heartbeat (self-fencing). */
export function fencedRuns(lines: readonly HistoryLine[]): HistoryLine[] {
  return lines.filter((l) => l.event === 'aborted' && /fenced/.test(l.reason ?? ''));
}
