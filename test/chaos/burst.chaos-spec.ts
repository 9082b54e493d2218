import { ChaosScenario, type JobSpec } from './support/chaos-scenario';
import { readHistory } from './support/history';
import { assertHistoryInvariants } from './support/invariants';

const CONCURRENCY = 10;
const LIMITED = 2;

/** 1,000 jobs of 20 ms, a fifth of them of the type limited to 2 at once: 100× the free slots. */
const JOBS: JobSpec[] = Array.from({ length: 1000 }, (_, i) => ({
  jobType: i % 5 === 0 ? 'chaos-limited' : 'chaos-sleep',
  payload: { ms: 20 },
}));

/** The most runs of `ids` (all jobs when omitted) in progress at one time, by the history. */
function mostAtOnce(file: string, ids?: ReadonlySet<string>): number {
  let now = 0;
  let most = 0;
  for (const line of readHistory(file)) {
    if (ids && !ids.has(line.jobId)) continue;
    now += line.event === 'start' ? 1 : -1;
    most = Math.max(most, now);
  }
  return most;
}

describe('chaos: a burst of creates far beyond the free slots', () => {
  let scenario: ChaosScenario;
  beforeAll(async () => {
    scenario = await ChaosScenario.start('burst', {
      WORKER_CONCURRENCY: String(CONCURRENCY),
      WORKER_TYPE_CONCURRENCY: `chaos-limited=${LIMITED}`,
    });
  });
  afterAll(() => scenario?.close());

  it('every job completes on its first message and first attempt, within the slot and type limits, with an empty DLQ', async () => {
    await scenario.startWorker('w1');
    // 50 requests in flight: the queue fills far faster than one worker of 10 slots drains it
    const ids = await scenario.submit(JOBS, 50);
    expect(ids).toHaveLength(JOBS.length);

    const summary = await assertHistoryInvariants(scenario, { deadlineMs: 90_000 });
    expect(summary).toMatchObject({ accepted: JOBS.length, runs: JOBS.length, reruns: 0, dlq: 0 });

    const [counts] = await scenario.pg.query<{
      retried: number;
      stalled: number;
      resent: number;
      unsent: number;
    }>(
      `SELECT (SELECT count(*)::int FROM jobs WHERE retry_count > 0 OR attempt <> 1) AS retried,
              (SELECT count(*)::int FROM jobs WHERE stall_count > 0) AS stalled,
              (SELECT count(*)::int FROM (SELECT job_id FROM queue_messages
                 GROUP BY job_id HAVING count(*) <> 1) m) AS resent,
              (SELECT count(*)::int FROM queue_messages WHERE sent_at IS NULL) AS unsent`,
    );
    expect(counts).toEqual({ retried: 0, stalled: 0, resent: 0, unsent: 0 });

    const limited = await scenario.pg.query<{ id: string }>(
      `SELECT id FROM jobs WHERE job_type = 'chaos-limited'`,
    );
    expect(limited).toHaveLength(JOBS.length / 5);
    const atOnce = mostAtOnce(scenario.historyFile);
    const limitedAtOnce = mostAtOnce(scenario.historyFile, new Set(limited.map((r) => r.id)));
    expect(atOnce).toBeLessThanOrEqual(CONCURRENCY);
    expect(limitedAtOnce).toBeLessThanOrEqual(LIMITED);
    process.stdout.write(
      `burst: ${atOnce} handlers at once (${limitedAtOnce} limited), ${JSON.stringify(summary)}\n`,
    );
  });
});
