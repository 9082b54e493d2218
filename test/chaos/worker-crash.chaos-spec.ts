import { assertHistoryInvariants } from './support/invariants';
import { ChaosScenario, type JobSpec } from './support/chaos-scenario';
import { waitUntil } from '../support/wait-until';

/** 300 jobs of 100-500 ms: about 5 s of work for two workers of 10 slots. */
const JOBS: JobSpec[] = Array.from({ length: 300 }, (_, i) => ({
  jobType: i % 5 === 0 ? 'chaos-limited' : 'chaos-sleep',
  payload: { ms: 100 + ((i * 37) % 400) },
}));

describe('chaos: a worker is SIGKILLed under load', () => {
  let scenario: ChaosScenario;
  beforeAll(async () => {
    scenario = await ChaosScenario.start('worker-crash', {
      WORKER_TYPE_CONCURRENCY: 'chaos-limited=2',
    });
  });
  afterAll(() => scenario?.close());

  it('every accepted job completes once; only the runs the kill interrupted ran again', async () => {
    // the whole load is queued before the workers start, so the kill meets a busy worker
    const ids = await scenario.submit(JOBS);
    expect(ids).toHaveLength(JOBS.length);
    await Promise.all([scenario.startWorker('w1'), scenario.startWorker('w2')]);
    await waitUntil(
      async () => (await scenario.countJobs(ids, `status = 'completed'`)) >= 60,
      60_000,
      'a fifth of the jobs completed',
    );
    expect(await scenario.countJobs(ids, `status = 'processing'`)).toBeGreaterThan(0);
    await scenario.killWorker('w1');
    await scenario.startWorker('w3');

    const summary = await assertHistoryInvariants(scenario, { deadlineMs: 60_000 });
    process.stdout.write(`worker-crash: ${JSON.stringify(summary)}\n`);
    expect(summary.reruns).toBeGreaterThan(0); // the kill did interrupt runs
  });
});
