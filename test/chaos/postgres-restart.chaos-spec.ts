import { waitUntil } from '../support/wait-until';
import { ChaosScenario, type JobSpec } from './support/chaos-scenario';
import { assertHistoryInvariants } from './support/invariants';

const jobs = (n: number): JobSpec[] =>
  Array.from({ length: n }, (_, i) => ({
    jobType: i % 5 === 0 ? 'chaos-limited' : 'chaos-sleep',
    payload: { ms: 100 + ((i * 37) % 400) },
  }));

describe('chaos: PostgreSQL restarts under load', () => {
  let scenario: ChaosScenario;
  beforeAll(async () => {
    scenario = await ChaosScenario.start('postgres-restart', {
      WORKER_TYPE_CONCURRENCY: 'chaos-limited=2',
    });
  });
  afterAll(() => scenario?.close());

  it('jobs running, being written and being created across the restart all end completed once', async () => {
    await Promise.all([scenario.startWorker('w1'), scenario.startWorker('w2')]);
    const first = await scenario.submit(jobs(200));
    expect(first).toHaveLength(200);
    await waitUntil(
      async () => (await scenario.countJobs(first, `status = 'completed'`)) >= 40,
      60_000,
      'the first completions',
    );
    // creates keep arriving before, during and after the restart (2 lanes, one every 50 ms
    // each, for about 2.5 s): only those answered 202 count as accepted
    const during = scenario.submit(jobs(100), 2, 50);
    await new Promise((r) => setTimeout(r, 500));
    const end = scenario.beginFault('PostgreSQL restart (fast shutdown, start on the same data)');
    await scenario.pg.stop();
    await scenario.pg.start();
    end();
    await during;

    const summary = await assertHistoryInvariants(scenario, { deadlineMs: 60_000 });
    const refused = scenario.creates.filter((c) => c.status !== 202).length;
    expect(scenario.accepted.length).toBeGreaterThan(first.length); // some creates got through
    process.stdout.write(
      `postgres-restart: ${refused} creates refused during the restart, ${JSON.stringify(summary)}\n`,
    );
  });
});
