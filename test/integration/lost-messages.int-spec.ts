import { JobStatus } from '@app/database';
import { RecoverySweeper } from '@app/recovery';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createEmulatorSqsClient } from '../../tools/dev-services/sqs-emulator';
import { createPipelineFixture, type PipelineFixture } from '../support/pipeline-fixture';
import { record } from '../support/test-handlers';
import { waitUntil } from '../support/wait-until';

const types = [record];

describe('lost messages', () => {
  let fx: PipelineFixture;
  beforeAll(async () => {
    fx = await createPipelineFixture({
      types,
      overrides: { worker: { resendAfterMs: 10_000 } },
    });
  });
  afterAll(() => fx.close());

  it('sends a new message for a pending job whose message SQS lost, and the job runs', async () => {
    const [job] = await fx.submit('alice', [
      { jobType: 'echo', payload: { message: 'found again' } },
    ]);
    // the message goes out, and then SQS loses it (say, it was redriven to the DLQ an hour ago)
    await waitUntil(
      async () =>
        (
          await fx.db.dataSource.query<{ n: number }[]>(
            `SELECT count(*)::int AS n FROM queue_messages WHERE job_id = $1 AND sent_at IS NOT NULL`,
            [job.id],
          )
        )[0].n === 1,
      10_000,
      'the first send',
    );
    const sqs = createEmulatorSqsClient(fx.config.queue.endpoint!);
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: fx.queues.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 2,
      }),
    );
    for (const m of received.Messages ?? []) {
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: fx.queues.queueUrl, ReceiptHandle: m.ReceiptHandle }),
      );
    }
    sqs.destroy();
    expect(received.Messages).toHaveLength(1);
    await fx.db.dataSource.transaction(async (m) => {
      await m.query(`UPDATE jobs SET created_at = now() - interval '1 hour' WHERE id = $1`, [
        job.id,
      ]);
      await m.query(
        `UPDATE queue_messages SET sent_at = now() - interval '1 hour' WHERE job_id = $1`,
        [job.id],
      );
    });
    const worker = await fx.startWorker();
    const { resent } = await worker.get(RecoverySweeper).sweep();
    expect(resent).toBeLessThanOrEqual(1); // the worker's own timer may have resent it first
    const done = await fx.waitFor(job.id, (j) => j.status === JobStatus.Completed);
    expect(done.results).toMatchObject({ echoed: 'found again' });
    const rows = await fx.db.dataSource.query<{ attempt: number }[]>(
      `SELECT attempt FROM queue_messages WHERE job_id = $1 ORDER BY created_at`,
      [job.id],
    );
    expect(rows.map((r) => r.attempt)).toEqual([1, 1]);
  });

  it('leaves a pending job alone while its message is recent', async () => {
    const [job] = await fx.submit('alice', [{ jobType: 'record', payload: {} }]);
    await fx.db.dataSource.query(
      `UPDATE jobs SET created_at = now() - interval '1 hour' WHERE id = $1`,
      [job.id],
    );
    const before = await fx.db.dataSource.query<{ id: string }[]>(
      `SELECT id FROM queue_messages WHERE job_id = $1`,
      [job.id],
    );
    const outbox = (await fx.startWorker()).get(RecoverySweeper);
    await outbox.sweep();
    const after = await fx.db.dataSource.query<{ id: string }[]>(
      `SELECT id FROM queue_messages WHERE job_id = $1`,
      [job.id],
    );
    expect(after).toEqual(before);
  });
});
