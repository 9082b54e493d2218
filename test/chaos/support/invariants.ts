import { type ChaosScenario, CHAOS_TIMINGS, type FaultWindow } from './chaos-scenario';
import { type HandlerRun, type HistoryLine, readHistory, runsByJob } from './history';

type Status = 'pending' | 'processing' | 'completed' | 'failed' | 'cancelled';

interface JobRow {
  id: string;
  job_type: string;
  status: Status;
  attempt: number;
  retry_count: number;
  next_retry_at: Date | null;
  results: { attempt?: number } | null;
  error_message: string | null;
}

export interface Violation {
  invariant:
    | 'accepted job not terminal'
    | 'completed twice'
    | 'handler ran again without a fault'
    | 'healthy message in the DLQ'
    | 'retry spent on a fault';
  jobId: string | undefined;
  detail: string;
  lines: HistoryLine[];
}

export interface InvariantOptions {
  /** How long every accepted job has to reach its final state. */
  deadlineMs: number;
  /** The final states a job may end in; default: completed only. */
  expectedStatus?: (job: { id: string; jobType: string }) => readonly Status[];
  /** Bodies the scenario sent to the work queue on purpose; they may end in the DLQ. */
  poisonBodies?: readonly string[];
}

export interface InvariantSummary {
  accepted: number;
  runs: number;
  reruns: number;
  dlq: number;
  waitedMs: number;
}

/**
 * After a scenario's last fault, the invariants every scenario must keep. Each violation names
 * the job and quotes its history lines; the error lists them all (up to 20 per invariant).
 *
 * 1. Every accepted job (a 202 answer) is terminal within `deadlineMs`, in an expected state:
 *    completed, or as `expectedStatus` allows (failed means failed for good: no retry due).
 * 2. No job is completed twice: a completed job's results are those of the run whose attempt
 *    the row holds, and exactly one run of that attempt recorded its 'end'. (A completion writes
 *    the job's row only, fenced by its attempt, so the row itself cannot say "twice"; the
 *    handler history can.)
 * 3. A handler runs again only when a fault interrupted the run before. Each run but a job's
 *    last must be one of:
 *    - 'failed': the job's own failure (chaos-fail-once), retried by design;
 *    - a run that a fault cut short: its window [start, close] meets a fault window widened by
 *      1 s before (a completion in flight when the fault began) and by the stall limit plus two
 *      sweep intervals after (the time recovery takes to notice), and it is
 *        · open (no closing line): its process was killed by that fault (`killed` names it), or
 *        · 'aborted': its signal fired (lost to a takeover, shut down) during the fault, or
 *        · 'end' with a result the database does not hold (the job's row names another
 *          attempt): the fault struck between the handler's return and its completion write.
 *    A run of an attempt that already ran, or any run after the run whose result the database
 *    holds, is a violation outright (a duplicate delivery ran the handler twice).
 * 4. No healthy message in the DLQ: each DLQ message is a poison body the scenario sent, or
 *    names a job that failed for good.
 * 5. No retry spent on a fault that was not the job's: retry_count never exceeds the job's own
 *    designed failures ('failed' lines), so it is 0 for types that never fail.
 */
export async function assertHistoryInvariants(
  scenario: ChaosScenario,
  options: InvariantOptions,
): Promise<InvariantSummary> {
  const started = Date.now();
  const violations: Violation[] = [];
  const expected = options.expectedStatus ?? (() => ['completed'] as const);
  const accepted = [...new Set(scenario.accepted)];

  const isFinal = (j: JobRow): boolean =>
    expected({ id: j.id, jobType: j.job_type }).includes(j.status) &&
    (j.status !== 'failed' || j.next_retry_at === null);
  let jobs = new Map<string, JobRow>();
  const deadline = started + options.deadlineMs;
  for (;;) {
    jobs = await loadJobs(scenario).catch(() => jobs);
    const open = accepted.filter((id) => !jobs.get(id) || !isFinal(jobs.get(id)!));
    if (open.length === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const waitedMs = Date.now() - started;

  const history = readHistory(scenario.historyFile);
  const runs = runsByJob(history);
  const linesOf = (id: string | undefined): HistoryLine[] =>
    id ? (runs.get(id) ?? []).flatMap((r) => r.lines) : [];

  for (const id of accepted) {
    const job = jobs.get(id);
    if (!job || !isFinal(job))
      violations.push({
        invariant: 'accepted job not terminal',
        jobId: id,
        detail: job
          ? `${job.status} (attempt ${job.attempt}, retry_count ${job.retry_count}, next_retry_at ${String(job.next_retry_at)}, error ${String(job.error_message)}) after ${options.deadlineMs} ms; expected ${expected({ id, jobType: job.job_type }).join(' or ')}`
          : 'no such row in jobs',
        lines: linesOf(id),
      });
  }

  const windows = scenario.faults.map((f) => widen(f));
  let reruns = 0;
  for (const [jobId, jobRuns] of runs) {
    const job = jobs.get(jobId);
    const lines = linesOf(jobId);
    const holds = (r: HandlerRun): boolean =>
      job?.status === 'completed' && job.attempt === r.attempt && r.close?.event === 'end';
    if (job?.status === 'completed') {
      const winner = jobRuns.filter(holds);
      if (winner.length !== 1 || job.results?.attempt !== job.attempt)
        violations.push({
          invariant: 'completed twice',
          jobId,
          detail: `completed at attempt ${job.attempt} with results ${JSON.stringify(job.results)}, but ${winner.length} runs of that attempt recorded an end`,
          lines,
        });
    }
    const seen = new Set<number>();
    jobRuns.forEach((run, i) => {
      if (seen.has(run.attempt))
        violations.push({
          invariant: 'handler ran again without a fault',
          jobId,
          detail: `attempt ${run.attempt} ran twice (a duplicate delivery was claimed)`,
          lines,
        });
      seen.add(run.attempt);
      if (i === jobRuns.length - 1) return;
      reruns++;
      const why = interruption(run, holds(run), windows);
      if (why)
        violations.push({
          invariant: 'handler ran again without a fault',
          jobId,
          detail: `attempt ${run.attempt} on ${run.worker} was followed by attempt ${jobRuns[i + 1].attempt}, but ${why}`,
          lines,
        });
    });
  }

  const poison = new Set(options.poisonBodies ?? []);
  const dlq = await scenario.sqs.dlqContents();
  for (const entry of dlq) {
    if (poison.has(entry.body)) continue;
    const job = entry.jobId ? jobs.get(entry.jobId) : undefined;
    if (job?.status === 'failed' && job.next_retry_at === null) continue;
    violations.push({
      invariant: 'healthy message in the DLQ',
      jobId: entry.jobId,
      detail: `DLQ message ${JSON.stringify(entry.body)} (${entry.reason === undefined ? 'no reason attribute: SQS moved it there after maxReceiveCount receives' : `reason ${entry.reason}`}) for a job that is ${job ? `${job.status} at attempt ${job.attempt}` : 'unknown and not a poison message the scenario sent'}`,
      lines: linesOf(entry.jobId),
    });
  }

  for (const job of jobs.values()) {
    const own = (runs.get(job.id) ?? []).filter((r) => r.close?.event === 'failed').length;
    if (job.retry_count > own)
      violations.push({
        invariant: 'retry spent on a fault',
        jobId: job.id,
        detail: `${job.job_type} ${job.status} with retry_count ${job.retry_count} but ${own} failures of its own (error: ${String(job.error_message)})`,
        lines: linesOf(job.id),
      });
  }

  if (violations.length > 0)
    throw new Error(formatViolations(violations, scenario.faults, scenario.startedAt));
  return {
    accepted: accepted.length,
    runs: [...runs.values()].reduce((n, r) => n + r.length, 0),
    reruns,
    dlq: dlq.length,
    waitedMs,
  };
}

async function loadJobs(scenario: ChaosScenario): Promise<Map<string, JobRow>> {
  const rows = await scenario.pg.query<JobRow>(
    `SELECT id, job_type, status, attempt, retry_count, next_retry_at, results, error_message FROM jobs`,
  );
  return new Map(rows.map((r) => [r.id, r]));
}

const BEFORE_FAULT_MS = 1000;
const AFTER_FAULT_MS = CHAOS_TIMINGS.stallAfterMs + 2 * CHAOS_TIMINGS.intervalMs + 2000;

function widen(f: FaultWindow): FaultWindow {
  return { ...f, from: f.from - BEFORE_FAULT_MS, to: f.to + AFTER_FAULT_MS };
}

/** Why `run` being followed by another run is not explained by a fault, or undefined when it is. */
function interruption(
  run: HandlerRun,
  resultHeld: boolean,
  windows: readonly FaultWindow[],
): string | undefined {
  const event = run.close?.event;
  if (event === 'failed') return undefined;
  if (resultHeld) return `its result (attempt ${run.attempt}) is the one the database holds`;
  const from = run.start.at;
  const to = run.close?.at ?? Number.POSITIVE_INFINITY;
  const during = windows.filter((w) => w.from <= to && from <= w.to);
  if (event === undefined) {
    return during.some((w) => w.killed?.includes(run.worker))
      ? undefined
      : `it never finished and no fault killed ${run.worker} while it ran`;
  }
  if (during.length > 0) return undefined;
  return event === 'aborted'
    ? `it was aborted (${String(run.close?.reason)}) while no fault was in effect`
    : `its result was dropped while no fault was in effect`;
}

function formatViolations(
  violations: readonly Violation[],
  faults: readonly FaultWindow[],
  t0: number,
): string {
  const byInvariant = new Map<string, Violation[]>();
  for (const v of violations)
    byInvariant.set(v.invariant, [...(byInvariant.get(v.invariant) ?? []), v]);
  const rel = (at: number): string => (Number.isFinite(at) ? `+${at - t0} ms` : 'open');
  const parts = [
    `${violations.length} invariant violations (${[...byInvariant].map(([k, v]) => `${k}: ${v.length}`).join(', ')})`,
    `times from the scenario's start; faults: ${faults.map((f) => `${f.what} [${rel(f.from)}, ${rel(f.to)}]`).join('; ') || 'none'}`,
  ];
  for (const [invariant, list] of byInvariant) {
    parts.push(`\n== ${invariant} (${list.length})`);
    for (const v of list.slice(0, 20)) {
      parts.push(`- job ${String(v.jobId)}: ${v.detail}`);
      for (const l of v.lines)
        parts.push(
          `    ${rel(l.at)} ${l.worker} ${l.event} attempt ${l.attempt}${l.reason ? ` (${l.reason})` : ''}`,
        );
    }
    if (list.length > 20) parts.push(`  … and ${list.length - 20} more`);
  }
  return parts.join('\n');
}
