import { JobStatus } from '@app/database';
import {
  type ApiFixture,
  bearer,
  body,
  createApiFixture,
  type ErrorBody,
} from './support/api-fixture';
import { decodeJobMessage } from '@app/queue';
import {
  ChangeMessageVisibilityBatchCommand,
  type Message,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { createEmulatorSqsClient } from '../../tools/dev-services/sqs-emulator';

interface DeadList {
  data: { id: string; jobType: string; status: string }[];
  pagination: { page: number; limit: number; total: number };
}
interface Redrive {
  data: { redriven: number; jobIds: string[]; removedFromDlq: number };
}

describe('dead-letter queue (admin): list and re-drive', () => {
  let fx: ApiFixture;
  let admin: Record<string, string>;
  let user: Record<string, string>;

  beforeAll(async () => {
    fx = await createApiFixture();
    await fx.startWorker();
    admin = bearer(fx.token('root', ['admin']));
    user = bearer(fx.token('alice', ['user']));
  });
  afterAll(() => fx.close());

  /** An echo job that fails its first attempt and has no retries: dead after one run. */
  async function deadJob(message: string): Promise<string> {
    const [job] = await fx.submit('alice', [
      { jobType: 'echo', payload: { message, failAttempts: 1 }, maxRetries: 0 },
    ]);
    await fx.waitFor(job.id, (j) => j.status === JobStatus.Failed && j.nextRetryAt === null);
    return job.id;
  }

  it('lists dead jobs for an admin, newest first, with the total', async () => {
    const first = await deadJob('one');
    const second = await deadJob('two');
    const res = await fx.http().get('/api/v1/jobs/dlq').set(admin);
    expect(res.status).toBe(200);
    const list = body<DeadList>(res);
    expect(list.data.slice(0, 2).map((j) => j.id)).toEqual([second, first]);
    expect(list.data.every((j) => j.status === 'failed')).toBe(true);
    expect(list.pagination.total).toBeGreaterThanOrEqual(2);
  });

  it('refuses non-admins with 403 and callers without a token with 401', async () => {
    expect((await fx.http().get('/api/v1/jobs/dlq').set(user)).status).toBe(403);
    expect(
      (await fx.http().post('/api/v1/jobs/dlq/redrive').set(user).send({ all: true })).status,
    ).toBe(403);
    expect((await fx.http().get('/api/v1/jobs/dlq')).status).toBe(401);
  });

  it('re-drives one dead job: it runs again, completes, and leaves the DLQ', async () => {
    const id = await deadJob('again');
    expect(await peekDlqJobIds(fx)).toContain(id);
    const res = await fx
      .http()
      .post('/api/v1/jobs/dlq/redrive')
      .set(admin)
      .send({ jobIds: [id] });
    expect(res.status).toBe(202);
    expect(body<Redrive>(res).data).toMatchObject({ redriven: 1, jobIds: [id] });
    const done = await fx.waitFor(id, (j) => j.status === JobStatus.Completed);
    expect(done).toMatchObject({ attempt: 2, results: { echoed: 'again', attempt: 2 } });
    expect(await peekDlqJobIds(fx)).not.toContain(id);
  });

  it('re-drives a filtered set (one job type) and leaves the rest', async () => {
    const id = await deadJob('typed');
    const res = await fx
      .http()
      .post('/api/v1/jobs/dlq/redrive')
      .set(admin)
      .send({ jobType: 'no-such-type' });
    expect(body<Redrive>(res).data.redriven).toBe(0);
    expect((await fx.jobs.getById(id)).status).toBe(JobStatus.Failed);
    const echo = await fx
      .http()
      .post('/api/v1/jobs/dlq/redrive')
      .set(admin)
      .send({ jobType: 'echo' });
    expect(body<Redrive>(echo).data.jobIds).toContain(id);
    await fx.waitFor(id, (j) => j.status === JobStatus.Completed);
  });

  it('re-drives all dead jobs', async () => {
    const ids = [await deadJob('a'), await deadJob('b')];
    const res = await fx.http().post('/api/v1/jobs/dlq/redrive').set(admin).send({ all: true });
    expect(body<Redrive>(res).data.jobIds).toEqual(expect.arrayContaining(ids));
    for (const id of ids) await fx.waitFor(id, (j) => j.status === JobStatus.Completed);
    const after = body<DeadList>(await fx.http().get('/api/v1/jobs/dlq').set(admin));
    expect(after.data.map((j) => j.id)).not.toEqual(expect.arrayContaining(ids));
  });

  it.each([
    [{}, 'jobIds'],
    [{ jobIds: ['not-a-uuid'] }, 'jobIds'],
    [{ all: false }, 'all'],
    [{ jobType: 'echo', all: true }, 'jobIds'],
    [{ jobIds: [] }, 'jobIds'],
  ])(
    'refuses a bad selector %j with 400 naming %s, and re-drives nothing',
    async (payload, field) => {
      const before = await fx.count('queue_messages');
      const res = await fx.http().post('/api/v1/jobs/dlq/redrive').set(admin).send(payload);
      expect(res.status).toBe(400);
      expect(body<ErrorBody>(res).error.details.map((d) => d.field)).toContain(field);
      expect(await fx.count('queue_messages')).toBe(before);
    },
  );
});

/** The job ids in the DLQ, read without consuming: every message is made visible again. */
async function peekDlqJobIds(fx: ApiFixture): Promise<string[]> {
  const sqs = createEmulatorSqsClient(fx.config.queue.endpoint!);
  const seen: Message[] = [];
  try {
    for (let i = 0; i < 20; i++) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: fx.queues.dlqUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 30,
        }),
      );
      if (!out.Messages?.length) break;
      seen.push(...out.Messages);
    }
    for (let i = 0; i < seen.length; i += 10) {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: fx.queues.dlqUrl,
          Entries: seen.slice(i, i + 10).map((m, k) => ({
            Id: String(k),
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
    return seen.flatMap((m) => decodeJobMessage(m.Body)?.map((j) => j.jobId) ?? ['']);
  } finally {
    sqs.destroy();
  }
}
