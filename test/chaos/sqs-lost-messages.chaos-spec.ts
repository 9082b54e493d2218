import { waitUntil } from '../support/wait-until';
import { CHAOS_TIMINGS, ChaosScenario, type JobSpec } from './support/chaos-scenario';
import { assertHistoryInvariants } from './support/invariants';

/** 200 jobs of 200 ms for one worker of 10 slots: about 4 s of work, most of it still queued. */
const JOBS: JobSpec[] = Array.from({ length: 200 }, () => ({
  jobType: 'chaos-sleep',
  payload: { ms: 200 },
}));

describe('chaos: the SQS emulator restarts empty while jobs are pending', () => {
  let scenario: ChaosScenario;
  beforeAll(async () => {
    scenario = await ChaosScenario.start('sqs-lost-messages');
  });
  afterAll(() => scenario?.close());

  it('every pending job whose message was lost gets a new one from the resend sweep and completes once', async () => {
    await scenario.startWorker('w1');
    const ids = await scenario.submit(JOBS);
    expect(ids).toHaveLength(JOBS.length);
    await waitUntil(
      async () => (await scenario.countJobs(ids, `status = 'completed'`)) >= 20,
      30_000,
      'the first completions',
    );
    const end = scenario.beginFault('SQS restarted empty');
    await scenario.sqs.stop();
    await scenario.sqs.start();
    end();
    expect(await scenario.sqs.queueDepth()).toBe(0);
    const stranded = await scenario.countJobs(ids, `status = 'pending'`);
    expect(stranded).toBeGreaterThan(0); // the restart did lose messages of pending jobs

    const summary = await assertHistoryInvariants(scenario, {
      deadlineMs: CHAOS_TIMINGS.resendAfterMs + 40_000,
    });
    process.stdout.write(`sqs-lost-messages: ${stranded} stranded, ${JSON.stringify(summary)}\n`);
  });
});
