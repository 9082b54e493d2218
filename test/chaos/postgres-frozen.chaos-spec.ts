import { waitUntil } from '../support/wait-until';
import {
  CHAOS_TIMINGS,
  ChaosScenario,
  type CreateOutcome,
  type JobSpec,
  SHORT_DATABASE_TIMEOUTS,
} from './support/chaos-scenario';
import { fencedRuns, readHistory, runsByJob } from './support/history';
import { assertHistoryInvariants } from './support/invariants';

const jobs = (n: number): JobSpec[] =>
  Array.from({ length: n }, (_, i) => ({
    jobType: i % 5 === 0 ? 'chaos-limited' : 'chaos-sleep',
    // every sixth job runs 4 s, so runs are still in flight when the workers fence themselves
    payload: { ms: i % 6 === 1 ? 4000 : 300 + ((i * 137) % 1200) },
  }));

const SHORT: JobSpec[] = Array.from({ length: 40 }, () => ({
  jobType: 'chaos-sleep',
  payload: { ms: 100 },
}));

const QUERY_TIMEOUT_MS = Number(SHORT_DATABASE_TIMEOUTS.DATABASE_QUERY_TIMEOUT_MS);
/**
 * Longer than every client timeout of the pool and than the stall limit, so that queries time
 * out, the workers fence themselves, and the sweepers meet stale heartbeats after the thaw.
 */
const FREEZE_MS = Math.max(QUERY_TIMEOUT_MS, CHAOS_TIMINGS.stallAfterMs) + 5000;
/** A create must be answered within the query timeout plus this (a connect may come first). */
const ANSWER_MARGIN_MS = Number(SHORT_DATABASE_TIMEOUTS.DATABASE_CONNECT_TIMEOUT_MS) + 1000;

/**
 * Jobs the sweeper re-queued as stalled (stall_count > 0) although a run of a re-queued attempt
 * was alive: every attempt before a stalled job's last must either never have started (a claim
 * whose client timed out while the frozen server went on to commit it: nobody runs it, so the
 * sweeper rightly takes it back) or have been fenced by its own worker.
 */
async function falseStalls(
  scenario: ChaosScenario,
): Promise<{ falseStalls: string[]; orphans: number }> {
  const rows = await scenario.pg.query<{ id: string; attempt: number }>(
    `SELECT id, attempt FROM jobs WHERE stall_count > 0`,
  );
  const runs = runsByJob(readHistory(scenario.historyFile));
  const falseStalls: string[] = [];
  let orphans = 0;
  for (const job of rows) {
    const jobRuns = runs.get(job.id) ?? [];
    for (let attempt = 1; attempt < job.attempt; attempt++) {
      const ran = jobRuns.filter((r) => r.attempt === attempt);
      if (ran.length === 0) orphans++;
      else if (
        !ran.every((r) => r.close?.event === 'aborted' && /fenced/.test(r.close.reason ?? ''))
      )
        falseStalls.push(
          `${job.id} attempt ${attempt}: ${JSON.stringify(ran.map((r) => r.lines))}`,
        );
    }
  }
  return { falseStalls, orphans };
}

describe('chaos: PostgreSQL freezes (SIGSTOP) while jobs run and creates arrive', () => {
  let scenario: ChaosScenario;
  beforeAll(async () => {
    scenario = await ChaosScenario.start('postgres-frozen', {
      ...SHORT_DATABASE_TIMEOUTS,
      WORKER_TYPE_CONCURRENCY: 'chaos-limited=2',
    });
  });
  afterAll(() => scenario?.close());

  it('creates answer 503 in bounded time, and after the thaw every job completes once with no false stall and no failure-rate alert', async () => {
    const first = await scenario.submit(jobs(150));
    expect(first).toHaveLength(150);
    await Promise.all([scenario.startWorker('w1'), scenario.startWorker('w2')]);
    await waitUntil(
      async () => (await scenario.countJobs(first, `status = 'completed'`)) >= 40,
      60_000,
      'the first completions',
    );
    expect(await scenario.countJobs(first, `status = 'processing'`)).toBeGreaterThan(0);

    const end = scenario.beginFault('PostgreSQL frozen (SIGSTOP)');
    scenario.pg.freeze();
    const before = scenario.creates.length;
    // creates keep arriving through the freeze and after it: 4 lanes, each pausing 400 ms after
    // an answer
    const during = scenario.submit(SHORT, 4, 400);
    await new Promise((r) => setTimeout(r, FREEZE_MS));
    scenario.pg.thaw();
    end();
    await during;

    const creates: CreateOutcome[] = scenario.creates.slice(before);
    const refused = creates.filter((c) => c.status !== 202);
    const slow = creates.filter((c) => c.ms > QUERY_TIMEOUT_MS + ANSWER_MARGIN_MS);
    expect(refused.length).toBeGreaterThan(0); // the freeze did meet creates
    expect(refused.filter((c) => c.status !== 503)).toEqual([]); // never 500, never a hang
    expect(slow.map((c) => `${c.status} after ${c.ms} ms`)).toEqual([]);

    const summary = await assertHistoryInvariants(scenario, { deadlineMs: 60_000 });
    expect(summary.dlq).toBe(0);
    const fenced = fencedRuns(readHistory(scenario.historyFile));
    // stale heartbeats after the thaw are the database's fault, not the workers': no retry, no
    // failed attempt (so no failure-rate alert), and no stall of a run that was alive
    const [row] = await scenario.pg.query<{ retried: number; failed: number }>(
      `SELECT (SELECT count(*)::int FROM jobs WHERE retry_count > 0) AS retried,
              (SELECT count(*)::int FROM job_metrics WHERE metric_type = 'failed_attempt_ms') AS failed`,
    );
    expect(row).toEqual({ retried: 0, failed: 0 });
    const stalled = await falseStalls(scenario);
    expect(stalled.falseStalls).toEqual([]);
    for (const w of ['w1', 'w2']) expect(scenario.log(w)).not.toMatch(/failure_rate|failure rate/);
    process.stdout.write(
      `postgres-frozen: ${refused.length} of ${creates.length} creates refused (503) during the freeze, slowest answer ${Math.max(...creates.map((c) => c.ms))} ms, ${fenced.length} runs fenced, ${stalled.orphans} claims orphaned by the freeze re-queued, ${JSON.stringify(summary)}\n`,
    );
  });
});
