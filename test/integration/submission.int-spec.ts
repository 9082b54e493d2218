import { InvalidPayloadError, JobSubmissionService, UnknownJobTypeError } from '@app/jobs';
import { Outbox } from '@app/queue';
import { createPipelineFixture, type PipelineFixture } from '../support/pipeline-fixture';

describe('job submission: validation at creation, atomic with the outbox', () => {
  let fx: PipelineFixture;
  beforeAll(async () => {
    fx = await createPipelineFixture();
  });
  afterAll(() => fx.close());

  const counts = async () =>
    (
      await fx.db.dataSource.query<{ jobs: number; messages: number }[]>(
        `SELECT (SELECT count(*)::int FROM jobs) AS jobs, (SELECT count(*)::int FROM queue_messages) AS messages`,
      )
    )[0];

  it('refuses an unknown job type, naming the known ones, and writes nothing', async () => {
    const before = await counts();
    const error = await fx
      .submit('alice', [{ jobType: 'no-such-type', payload: {} }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownJobTypeError);
    expect(error).toMatchObject({
      code: 'JOB_TYPE_UNKNOWN',
      details: {
        field: 'jobType',
        known: ['bulk-import', 'cleanup-jobs', 'echo', 'export', 'thumbnail-generation'],
      },
    });
    expect(await counts()).toEqual(before);
  });

  it('refuses a payload that breaks the handler’s class, naming every bad field', async () => {
    const error = await fx
      .submit('alice', [{ jobType: 'echo', payload: { delayMs: -5, message: 42, extra: true } }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidPayloadError);
    const fields = (error as InvalidPayloadError).problems.map((p) => p.field).sort();
    expect(fields).toEqual(['payload.delayMs', 'payload.extra', 'payload.message']);
  });

  it('refuses a payload that is not an object', async () => {
    await expect(fx.submit('alice', [{ jobType: 'echo', payload: [1, 2] }])).rejects.toMatchObject({
      problems: [{ field: 'payload', message: 'payload must be an object' }],
    });
  });

  it('writes nothing for a batch in which one request is bad', async () => {
    const before = await counts();
    await expect(
      fx.submit('alice', [
        { jobType: 'echo', payload: { message: 'fine' } },
        { jobType: 'echo', payload: { delayMs: 'soon' } },
      ]),
    ).rejects.toBeInstanceOf(InvalidPayloadError);
    expect(await counts()).toEqual(before);
  });

  it('writes each job with exactly one outbox message, and the relay sends it', async () => {
    const jobs = await fx.submit('alice', [
      { jobType: 'echo', payload: { message: 'a' } },
      { jobType: 'echo', payload: { message: 'b' }, maxRetries: 1 },
    ]);
    expect(jobs.map((j) => j.payload)).toEqual([{ message: 'a' }, { message: 'b' }]);
    expect(jobs[1].maxRetries).toBe(1);
    const rows = await waitForSent(
      fx,
      jobs.map((j) => j.id),
    );
    expect(rows).toHaveLength(2);
    expect(
      rows.every((r) => r.attempt === 1 && r.message_id && r.queue_url === fx.queues.queueUrl),
    ).toBe(true);
  });

  it('writes a job and its message by one statement: when the message cannot be written, neither is', async () => {
    const before = await counts();
    // a message row the database refuses: the job INSERT of the same statement must not survive
    await fx.db.dataSource.query(
      `ALTER TABLE queue_messages ADD CONSTRAINT reject_all CHECK (attempt < 0) NOT VALID`,
    );
    try {
      await expect(
        fx.api.get(JobSubmissionService).submit('alice', [{ jobType: 'echo', payload: {} }]),
      ).rejects.toThrow(/reject_all/);
    } finally {
      await fx.db.dataSource.query(`ALTER TABLE queue_messages DROP CONSTRAINT reject_all`);
    }
    expect(await counts()).toEqual(before);
  });

  it('sends nothing for a submission the database refused', async () => {
    const before = await counts();
    // a job row the database refuses: the statement fails, so nothing is committed or sent
    await fx.db.dataSource.query(
      `ALTER TABLE jobs ADD CONSTRAINT reject_all CHECK (max_retries < 0) NOT VALID`,
    );
    try {
      await expect(
        fx.submit('alice', [{ jobType: 'echo', payload: { message: 'never' } }]),
      ).rejects.toThrow(/reject_all/);
    } finally {
      await fx.db.dataSource.query(`ALTER TABLE jobs DROP CONSTRAINT reject_all`);
    }
    await fx.api.get(Outbox).flush();
    expect(await counts()).toEqual(before);
    // no worker consumes in this file: every message in SQS must have a committed outbox row
    const stats = await fx.queue.getQueueStats();
    expect(stats.queue.visible + stats.queue.inFlight + stats.queue.delayed).toBe(
      await sentCount(fx),
    );
  });
});

/** SQS messages the relay sent: rows it packed into one message share its message_id. */
async function sentCount(fx: PipelineFixture): Promise<number> {
  const [{ n }] = await fx.db.dataSource.query<{ n: number }[]>(
    `SELECT count(DISTINCT message_id)::int AS n FROM queue_messages WHERE sent_at IS NOT NULL`,
  );
  return n;
}

async function waitForSent(fx: PipelineFixture, ids: string[]) {
  for (let i = 0; i < 100; i++) {
    const rows = await fx.db.dataSource.query<
      { attempt: number; message_id: string; queue_url: string }[]
    >(
      `SELECT attempt, message_id, queue_url FROM queue_messages WHERE job_id = ANY($1) AND sent_at IS NOT NULL`,
      [ids],
    );
    if (rows.length === ids.length) return rows;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('outbox rows were not sent');
}
