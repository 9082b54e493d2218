import { JobStatus } from '@app/database';
import { Outbox, QueueModule } from '@app/queue';
import { AppConfigModule } from '@app/config';
import { dataSourceOptions } from '@app/database';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { addOutboxRows } from '../support/outbox-rows';
import { createPipelineFixture, type PipelineFixture } from '../support/pipeline-fixture';
import { testConfig } from '../support/test-config';

describe('transactional outbox', () => {
  let fx: PipelineFixture;
  beforeAll(async () => {
    // the api side talks to an SQS endpoint that is down (nothing listens on port 1)
    fx = await createPipelineFixture({ overrides: { queue: { endpoint: 'http://127.0.0.1:1' } } });
  });
  afterAll(() => fx.close());

  const unsent = async () =>
    (
      await fx.db.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM queue_messages WHERE sent_at IS NULL`,
      )
    )[0].n;

  it('accepts jobs while SQS is down and delivers them once it is back', async () => {
    const jobs = await fx.submit('alice', [
      { jobType: 'echo', payload: { message: 'during the outage' } },
      { jobType: 'echo', payload: { message: 'also' } },
    ]);
    await fx.api.get(Outbox).flush();
    expect(await unsent()).toBe(2);
    const [row] = await fx.db.dataSource.query<
      { send_attempts: number; last_send_error: string }[]
    >(`SELECT send_attempts, last_send_error FROM queue_messages WHERE job_id = $1`, [jobs[0].id]);
    expect(row.send_attempts).toBeGreaterThanOrEqual(1);
    expect(row.last_send_error).toBeTruthy();

    // SQS is back: a worker with a working endpoint relays the rows on its maintenance pass
    await fx.startWorker({
      queue: { ...fx.config.queue, endpoint: process.env.JQ_TEST_SQS_ENDPOINT },
    });
    for (const job of jobs) await fx.waitFor(job.id, (j) => j.status === JobStatus.Completed);
    expect(await unsent()).toBe(0);
  });

  it('lets several relays run at once without sending a row twice', async () => {
    const working = testConfig(fx.db.url, {
      queue: { ...fx.config.queue, endpoint: process.env.JQ_TEST_SQS_ENDPOINT },
    });
    const relays = await Promise.all(
      [1, 2, 3].map(async () => {
        const mod = await Test.createTestingModule({
          imports: [
            AppConfigModule.forRoot(working),
            TypeOrmModule.forRoot({ ...dataSourceOptions(working.database), logging: false }),
            QueueModule,
          ],
        }).compile();
        return mod;
      }),
    );
    // jobs with unsent outbox rows, written without nudging the fixture's (SQS-less) relay
    const jobs = await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        fx.jobs.create({ userId: 'bob', jobType: 'echo', payload: { message: String(i) } }),
      ),
    );
    await addOutboxRows(
      fx.db.dataSource,
      fx.queues.queueUrl,
      jobs.map((j) => ({ jobId: j.id, attempt: 1 })),
    );
    await Promise.all(relays.map((r) => r.get(Outbox).flush()));
    const [counts] = await fx.db.dataSource.query<
      { unsent: number; sends: number; rows: number }[]
    >(
      `SELECT count(*) FILTER (WHERE sent_at IS NULL)::int AS unsent, sum(send_attempts)::int AS sends, count(*)::int AS rows
       FROM queue_messages q JOIN jobs j ON j.id = q.job_id WHERE j.user_id = 'bob'`,
    );
    expect(counts).toEqual({ unsent: 0, sends: 150, rows: 150 });
    await Promise.all(relays.map((r) => r.close()));
  });
});
