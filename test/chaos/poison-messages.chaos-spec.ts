import { randomUUID } from 'node:crypto';
import { waitUntil } from '../support/wait-until';
import { ChaosScenario, type JobSpec } from './support/chaos-scenario';
import { assertHistoryInvariants } from './support/invariants';

const HEALTHY: JobSpec[] = Array.from({ length: 60 }, () => ({
  jobType: 'chaos-sleep',
  payload: { ms: 150 },
}));
const jobMessage = (jobId: string): string => JSON.stringify({ v: 1, jobId, attempt: 1 });

describe('chaos: duplicate and poison messages', () => {
  let scenario: ChaosScenario;
  beforeAll(async () => {
    scenario = await ChaosScenario.start('poison-messages');
  });
  afterAll(() => scenario?.close());

  it('duplicates run nothing twice, unreadable bodies go to the DLQ, unknown jobs are dropped, and the healthy jobs complete', async () => {
    await Promise.all([scenario.startWorker('w1'), scenario.startWorker('w2')]);
    const [target] = await scenario.submit([{ jobType: 'chaos-sleep', payload: { ms: 1500 } }]);
    const unreadable = ['this is not json', '{"v":1,"jobId":"not-a-uuid"}', '{"jobId":42}'];
    const unknownJob = jobMessage(randomUUID());
    // three copies of the target's message while its first run is pending or running
    for (let i = 0; i < 3; i++) await scenario.sqs.sendRaw(jobMessage(target));
    for (const body of unreadable) await scenario.sqs.sendRaw(body);
    await scenario.sqs.sendRaw(unknownJob);
    const healthy = await scenario.submit(HEALTHY);
    expect(healthy).toHaveLength(HEALTHY.length);
    await waitUntil(
      async () => (await scenario.countJobs([target], `status = 'completed'`)) === 1,
      30_000,
      'the target job to complete',
    );
    // and two more copies once it is completed
    for (let i = 0; i < 2; i++) await scenario.sqs.sendRaw(jobMessage(target));

    const summary = await assertHistoryInvariants(scenario, {
      deadlineMs: 30_000,
      poisonBodies: [...unreadable, unknownJob],
    });
    await waitUntil(async () => (await scenario.sqs.queueDepth()) === 0, 15_000, 'an empty queue');
    const dlq = await scenario.sqs.dlqContents();
    expect(dlq.map((m) => m.body).sort()).toEqual([...unreadable].sort());
    expect(dlq.every((m) => /unreadable/.test(m.reason ?? ''))).toBe(true);
    process.stdout.write(`poison-messages: ${JSON.stringify(summary)}\n`);
  });
});
