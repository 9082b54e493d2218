import { waitUntil } from '../support/wait-until';
import {
  CHAOS_TIMINGS,
  ChaosScenario,
  type JobSpec,
  SHORT_DATABASE_TIMEOUTS,
} from './support/chaos-scenario';
import { fencedRuns, readHistory } from './support/history';
import { assertHistoryInvariants } from './support/invariants';

/** 150 jobs of 300 ms to 4 s: about 10 s of work for two workers of 10 slots. */
const JOBS: JobSpec[] = Array.from({ length: 150 }, (_, i) => ({
  jobType: i % 5 === 0 ? 'chaos-limited' : 'chaos-sleep',
  // every fourth job runs 5 s, so runs are still in flight when the workers fence themselves
  payload: { ms: i % 4 === 1 ? 5000 : 300 + ((i * 137) % 1200) },
}));

describe('chaos: PostgreSQL is down for twice the stall limit while jobs run', () => {
  let scenario: ChaosScenario;
  beforeAll(async () => {
    scenario = await ChaosScenario.start('postgres-down', {
      ...SHORT_DATABASE_TIMEOUTS,
      WORKER_TYPE_CONCURRENCY: 'chaos-limited=2',
    });
  });
  afterAll(() => scenario?.close());

  it('the workers fence themselves, release their runs when it is back, and every job completes once without spending a retry', async () => {
    const ids = await scenario.submit(JOBS);
    expect(ids).toHaveLength(JOBS.length);
    await Promise.all([scenario.startWorker('w1'), scenario.startWorker('w2')]);
    await waitUntil(
      async () => (await scenario.countJobs(ids, `status = 'completed'`)) >= 40,
      60_000,
      'the first completions',
    );
    expect(await scenario.countJobs(ids, `status = 'processing'`)).toBeGreaterThan(0);

    const end = scenario.beginFault('PostgreSQL stopped (connections refused)');
    await scenario.pg.stop();
    await new Promise((r) => setTimeout(r, 2 * CHAOS_TIMINGS.stallAfterMs));
    await scenario.pg.start();
    end();

    const summary = await assertHistoryInvariants(scenario, { deadlineMs: 60_000 });
    expect(summary.dlq).toBe(0);
    // the outage outlasted the fencing limit: the workers did abort their runs themselves…
    const fenced = fencedRuns(readHistory(scenario.historyFile));
    expect(fenced.length).toBeGreaterThan(0);
    // …and released them without a stall or a retry (the database, not the worker, was away)
    const [row] = await scenario.pg.query<{ stalled: number; retried: number }>(
      `SELECT count(*) FILTER (WHERE stall_count > 0)::int AS stalled,
              count(*) FILTER (WHERE retry_count > 0)::int AS retried FROM jobs`,
    );
    expect(row).toEqual({ stalled: 0, retried: 0 });
    process.stdout.write(
      `postgres-down: ${fenced.length} runs fenced, ${JSON.stringify(summary)}\n`,
    );
  });
});
