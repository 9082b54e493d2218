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
    // all 200 messages wait in SQS when the worker starts, so the restart strands most of them
    const ids = await scenario.submit(JOBS);
    expect(ids).toHaveLength(JOBS.length);
    await scenario.startWorker('w1');
    await waitUntil(
      async () => (await scenario.countJobs(ids, `status = 'completed'`)) >= 20,
      30_000,
      'the first completions',
    );
    // the restart does lose the messages of these pending jobs
    const lost = await scenario.countJobs(ids, `status = 'pending'`);
    expect(lost).toBeGreaterThan(50);
    const end = scenario.beginFault('SQS restarted empty');
    await scenario.sqs.stop();
    await scenario.sqs.start();
    end();

    const summary = await assertHistoryInvariants(scenario, {
      deadlineMs: CHAOS_TIMINGS.resendAfterMs + 40_000,
    });
    process.stdout.write(
      `sqs-lost-messages: the messages of ${lost} pending jobs lost, ${JSON.stringify(summary)}\n`,
    );
  });
});
