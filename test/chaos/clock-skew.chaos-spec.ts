import { ChaosScenario, type JobSpec } from './support/chaos-scenario';
import { CHAOS_ENV } from './support/chaos-env';
import { readHistory, runsByJob } from './support/history';
import { assertHistoryInvariants } from './support/invariants';

const HOUR_MS = 3_600_000;
/** INITIAL_RETRY_DELAY: the first retry is due after a uniformly random 0 to 4 s (full jitter). */
const RETRY_DELAY_MS = 4000;
/** The sweep interval, the outbox send and a receive between "due" and the handler's start. */
const PICKUP_MS = 3000;

const JOBS: JobSpec[] = Array.from({ length: 120 }, (_, i) => ({
  jobType: i % 3 === 0 ? 'chaos-sleep' : 'chaos-fail-once',
  payload: { ms: 100 },
}));

describe("chaos: workers' clocks are an hour ahead and an hour behind the database's", () => {
  let scenario: ChaosScenario;
  beforeAll(async () => {
    scenario = await ChaosScenario.start('clock-skew', {
      INITIAL_RETRY_DELAY: String(RETRY_DELAY_MS),
    });
  });
  afterAll(() => scenario?.close());

  it('retries come when due by the database clock, nothing stalls, and each fail-once job retries exactly once', async () => {
    const ids = await scenario.submit(JOBS);
    expect(ids).toHaveLength(JOBS.length);
    await Promise.all([
      scenario.startWorker('ahead', { [CHAOS_ENV.clockOffsetMs]: String(HOUR_MS) }),
      scenario.startWorker('behind', { [CHAOS_ENV.clockOffsetMs]: String(-HOUR_MS) }),
    ]);

    const summary = await assertHistoryInvariants(scenario, { deadlineMs: 60_000 });
    const rows = await scenario.pg.query<{
      job_type: string;
      retry_count: number;
      stall_count: number;
    }>(`SELECT job_type, retry_count, stall_count FROM jobs`);
    for (const r of rows)
      expect(r).toEqual({
        job_type: r.job_type,
        retry_count: r.job_type === 'chaos-fail-once' ? 1 : 0,
        stall_count: 0,
      });

    // history times are true times (clock-skew.ts's offset taken back out)
    const waits = new Map<string, number[]>([
      ['ahead', []],
      ['behind', []],
    ]);
    for (const runs of runsByJob(readHistory(scenario.historyFile)).values()) {
      const failed = runs.find((r) => r.close?.event === 'failed');
      const retry = runs.find((r) => r.attempt === 2);
      if (!failed || !retry) continue;
      waits.get(failed.worker)!.push(retry.start.at - failed.close!.at);
    }
    const report = [...waits].map(([w, list]) => {
      const mean = list.reduce((a, b) => a + b, 0) / list.length;
      return {
        worker: w,
        failures: list.length,
        mean,
        min: Math.min(...list),
        max: Math.max(...list),
      };
    });
    process.stdout.write(
      `clock-skew: retry waits ${JSON.stringify(report)}, ${JSON.stringify(summary)}\n`,
    );
    for (const r of report) {
      // both workers did fail jobs (how the backlog splits between them varies from run to run)
      expect(r.failures).toBeGreaterThanOrEqual(5);
      // due by the database's clock: never before the failure, never an hour late…
      expect(r.min).toBeGreaterThanOrEqual(0);
      expect(r.max).toBeLessThan(RETRY_DELAY_MS + PICKUP_MS);
      // …and not at once either (a retry time from a clock an hour behind would be due at once):
      // the full-jitter mean is half the delay; a retry due at once would wait about one sweep
      expect(r.mean).toBeGreaterThan(RETRY_DELAY_MS / 5);
    }
  });
});
