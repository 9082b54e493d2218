import { waitUntil } from '../support/wait-until';
import { ChaosScenario, type JobSpec } from './support/chaos-scenario';
import { readHistory } from './support/history';
import { assertHistoryInvariants } from './support/invariants';

/** Ten long runs fill w1's ten slots; twenty short jobs wait behind them. */
const LONG: JobSpec[] = Array.from({ length: 10 }, () => ({
  jobType: 'chaos-sleep',
  payload: { ms: 4000 },
}));
const SHORT: JobSpec[] = Array.from({ length: 20 }, () => ({
  jobType: 'chaos-sleep',
  payload: { ms: 200 },
}));

describe('chaos: jobs are cancelled, then their worker dies before it sees the cancel', () => {
  let scenario: ChaosScenario;
  beforeAll(async () => {
    scenario = await ChaosScenario.start('cancel-then-crash');
  });
  afterAll(() => scenario?.close());

  it('the cancelled jobs end cancelled and never run again; the others complete', async () => {
    await scenario.startWorker('w1');
    const long = await scenario.submit(LONG);
    expect(long).toHaveLength(LONG.length);
    await waitUntil(
      async () => (await scenario.countJobs(long, `status = 'processing'`)) === long.length,
      30_000,
      'w1 running every long job',
    );
    const short = await scenario.submit(SHORT);
    expect(short).toHaveLength(SHORT.length);

    // w1 is stopped before the cancels reach the database, so it cannot see one before its kill
    const end = scenario.beginFault('w1 stopped (SIGSTOP), jobs cancelled, w1 SIGKILLed', ['w1']);
    scenario.workers.get('w1')!.freeze();
    const cancelled = long.slice(0, 5);
    const answers = await Promise.all(cancelled.map((id) => scenario.cancel(id)));
    const cancelledAt = Date.now();
    await scenario.workers.get('w1')!.kill();
    end();
    // a running job is cancelled by its worker, which is frozen: after CANCEL_WAIT_MS the api answers 202
    expect(answers.map((a) => a.status)).toEqual(cancelled.map(() => 202));
    await scenario.startWorker('w2');

    const summary = await assertHistoryInvariants(scenario, {
      deadlineMs: 60_000,
      expectedStatus: (job) => (cancelled.includes(job.id) ? ['cancelled'] : ['completed']),
    });
    const rerunAfterCancel = readHistory(scenario.historyFile).filter(
      (l) => cancelled.includes(l.jobId) && l.event === 'start' && l.at >= cancelledAt,
    );
    expect(rerunAfterCancel).toEqual([]);
    const [row] = await scenario.pg.query<{ retried: number }>(
      `SELECT count(*)::int AS retried FROM jobs WHERE retry_count > 0`,
    );
    expect(row.retried).toBe(0);
    process.stdout.write(`cancel-then-crash: ${JSON.stringify(summary)}\n`);
    expect(summary.reruns).toBe(long.length - cancelled.length); // the kill interrupted them
  });
});
