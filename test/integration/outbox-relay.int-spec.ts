import { AppConfigModule, type AppConfig } from '@app/config';
import { dataSourceOptions } from '@app/database';
import {
  type Job,
  OUTBOX_ROW_DUE,
  OutboxSignal,
  QueueMessagesRepository,
  SEND_AHEAD_SECONDS,
} from '@app/jobs';
import { decodeJobMessage, Outbox, QueueModule } from '@app/queue';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { createEmulatorSqsClient } from '../../tools/dev-services/sqs-emulator';
import { DlqReader } from '../support/dlq-reader';
import { addOutboxRows } from '../support/outbox-rows';
import { createPipelineFixture, type PipelineFixture } from '../support/pipeline-fixture';
import { startSilentServer, TcpProxy } from '../support/tcp-proxy';
import { testConfig } from '../support/test-config';
import { waitUntil } from '../support/wait-until';

/** An api or worker process's relay alone: the Outbox over its own DataSource and SQS client. */
async function startRelay(config: AppConfig): Promise<TestingModule> {
  return Test.createTestingModule({
    imports: [
      AppConfigModule.forRoot(config),
      TypeOrmModule.forRoot({ ...dataSourceOptions(config.database), logging: false }),
      QueueModule,
    ],
  }).compile();
}

describe('outbox relay', () => {
  let fx: PipelineFixture;
  let working: AppConfig;
  let sqs: SQSClient;
  beforeAll(async () => {
    // the fixture's own services talk to an SQS endpoint that is down; the relays below choose theirs
    fx = await createPipelineFixture({ overrides: { queue: { endpoint: 'http://127.0.0.1:1' } } });
    working = testConfig(fx.db.url, {
      queue: { ...fx.config.queue, endpoint: process.env.JQ_TEST_SQS_ENDPOINT },
    });
    sqs = createEmulatorSqsClient(process.env.JQ_TEST_SQS_ENDPOINT!);
  });
  afterAll(async () => {
    sqs.destroy();
    await fx.close();
  });
  beforeEach(() => fx.db.dataSource.query(`DELETE FROM jobs`));

  const rows = () =>
    fx.db.dataSource.query<
      {
        job_id: string;
        sent_at: Date | null;
        leased_until: Date | null;
        send_attempts: number;
        last_send_error: string | null;
      }[]
    >(
      `SELECT job_id, sent_at, leased_until, send_attempts, last_send_error FROM queue_messages ORDER BY created_at`,
    );

  /** Jobs with an unsent outbox row each, written without nudging any relay. */
  async function jobsWithUnsentRows(n: number, user = 'relay') {
    const jobs: Job[] = [];
    for (let i = 0; i < n; i++)
      jobs.push(
        await fx.jobs.create({ userId: user, jobType: 'echo', payload: { message: `${i}` } }),
      );
    await addOutboxRows(
      fx.db.dataSource,
      fx.queues.queueUrl,
      jobs.map((j) => ({ jobId: j.id, attempt: 1 })),
    );
    return jobs;
  }

  /**
   * Job ids in the messages the work queue holds now. They are deleted: a message only received
   * would come back after the visibility timeout, into a later test.
   */
  async function receiveAll(queueUrl = fx.queues.queueUrl): Promise<string[]> {
    const ids: string[] = [];
    for (;;) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
        }),
      );
      if (!out.Messages?.length) return ids;
      for (const m of out.Messages) ids.push(...decodeJobMessage(m.Body)!.map((j) => j.jobId));
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: out.Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  }

  it('packs the jobs of a pass into messages of up to ten, each row recording its message', async () => {
    const jobs = await jobsWithUnsentRows(25);
    const relay = await startRelay(working);
    try {
      await relay.get(Outbox).flush();
      const sent = await fx.db.dataSource.query<{ message_id: string; n: number }[]>(
        `SELECT message_id, count(*)::int AS n FROM queue_messages GROUP BY message_id ORDER BY n DESC`,
      );
      expect(sent.map((r) => r.n)).toEqual([10, 10, 5]);
      expect(sent.every((r) => r.message_id)).toBe(true);
      const received = await receiveAll();
      expect(received).toHaveLength(25);
      expect(received.sort()).toEqual(jobs.map((j) => j.id).sort());
    } finally {
      await relay.close();
    }
  });

  it('holds no transaction open while SQS hangs, and sends the rows once SQS answers', async () => {
    const silent = await startSilentServer();
    const hanging = await startRelay(
      testConfig(fx.db.url, {
        queue: {
          ...fx.config.queue,
          endpoint: `http://127.0.0.1:${silent.port}`,
          requestTimeoutMs: 3000,
        },
      }),
    );
    try {
      const jobs = await jobsWithUnsentRows(3);
      const pass = hanging.get(Outbox).flush();
      await waitUntil(
        () => Promise.resolve(silent.connections() > 0),
        10_000,
        'the relay is sending',
      );
      const activity = await fx.db.dataSource.query<{ state: string; query: string }[]>(
        `SELECT state, query FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`,
      );
      expect(activity).toEqual([]);
      const leased = await rows();
      expect(leased.map((r) => [r.sent_at, r.leased_until !== null])).toEqual(
        jobs.map(() => [null, true]),
      );

      await pass; // the request timeout ends the hung send; the pass records the failure
      const failed = await rows();
      expect(failed.every((r) => r.sent_at === null && r.leased_until === null)).toBe(true);
      expect(failed.every((r) => r.send_attempts === 1 && r.last_send_error)).toBe(true);

      const relay = await startRelay(working);
      await relay.get(Outbox).flush();
      await relay.close();
      expect((await rows()).every((r) => r.sent_at !== null)).toBe(true);
      expect((await receiveAll()).sort()).toEqual(jobs.map((j) => j.id).sort());
    } finally {
      await hanging.close();
      await silent.close();
    }
  });

  it('leaves rows another relay has leased alone until the lease expires, then sends them', async () => {
    const jobs = await jobsWithUnsentRows(2);
    await fx.db.dataSource.query(
      `UPDATE queue_messages SET leased_until = now() + interval '1 hour'`,
    );
    const relay = await startRelay(working);
    try {
      await relay.get(Outbox).flush();
      expect((await rows()).map((r) => r.sent_at)).toEqual([null, null]);

      // the relay holding them died mid-send: its lease runs out
      await fx.db.dataSource.query(
        `UPDATE queue_messages SET leased_until = now() - interval '1 second'`,
      );
      await relay.get(Outbox).flush();
      expect((await rows()).every((r) => r.sent_at !== null && r.leased_until === null)).toBe(true);
      expect((await receiveAll()).sort()).toEqual(jobs.map((j) => j.id).sort());
    } finally {
      await relay.close();
    }
  });

  it('sends dead letters to the DLQ with their reason, cut to 1000 characters', async () => {
    const [short, long] = await jobsWithUnsentRows(2);
    await fx.db.dataSource.query(`UPDATE queue_messages SET sent_at = now()`);
    const relay = await startRelay(working);
    const dlq = new DlqReader(process.env.JQ_TEST_SQS_ENDPOINT!, fx.queues.dlqUrl);
    try {
      await relay.get(QueueMessagesRepository).addDeadLetters([
        { jobId: short.id, attempt: 4, reason: 'handler threw: boom' },
        { jobId: long.id, attempt: 2, reason: 'x'.repeat(1500) },
      ]);
      await relay.get(Outbox).flush();
      expect(await dlq.forJob(short.id)).toEqual([
        { jobId: short.id, attempt: 4, reason: 'handler threw: boom' },
      ]);
      expect(await dlq.forJob(long.id)).toEqual([
        { jobId: long.id, attempt: 2, reason: 'x'.repeat(1000) },
      ]);
      expect(await receiveAll()).toEqual([]);
    } finally {
      dlq.close();
      await relay.close();
    }
  });

  it('sends a message with its delay: it stays invisible until the delay has passed', async () => {
    const [job] = await jobsWithUnsentRows(1);
    await fx.db.dataSource.query(`UPDATE queue_messages SET sent_at = now()`);
    const relay = await startRelay(working);
    try {
      await addOutboxRows(fx.db.dataSource, fx.queues.queueUrl, [
        { jobId: job.id, attempt: 2, delaySeconds: 2 },
      ]);
      await relay.get(Outbox).flush();
      expect(await receiveAll()).toEqual([]);
      await waitUntil(async () => (await receiveAll()).includes(job.id), 10_000, 'delayed message');
    } finally {
      await relay.close();
    }
  });

  it('holds back a row due in a month, and sends one due in 3 s at once with the rest as its delay', async () => {
    const [later, soon, now] = await jobsWithUnsentRows(3);
    const due = (job: Job, interval: string) =>
      fx.db.dataSource.query(
        `UPDATE queue_messages SET not_before = now() + $2::interval WHERE job_id = $1`,
        [job.id, interval],
      );
    await due(later, '30 days');
    await due(soon, '3 seconds');
    const relay = await startRelay(working);
    try {
      await relay.get(Outbox).flush();
      const sent = await fx.db.dataSource.query<{ job_id: string; sent: boolean }[]>(
        `SELECT job_id, sent_at IS NOT NULL AS sent FROM queue_messages ORDER BY job_id`,
      );
      expect(Object.fromEntries(sent.map((r) => [r.job_id, r.sent]))).toEqual({
        [later.id]: false,
        [soon.id]: true,
        [now.id]: true,
      });
      expect(await receiveAll()).toEqual([now.id]);
      await waitUntil(async () => (await receiveAll()).includes(soon.id), 10_000, 'due message');
    } finally {
      await relay.close();
    }
  });

  it('leases through idx_queue_messages_due and reads no row due beyond the lead, however many', async () => {
    await fx.db.dataSource.query(
      `INSERT INTO queue_messages (queue_url, attempt, not_before)
       SELECT $1, 1, now() + interval '30 days' FROM generate_series(1, 5000)`,
      [fx.queues.queueUrl],
    );
    await jobsWithUnsentRows(2);
    await fx.db.dataSource.query(`ANALYZE queue_messages`);
    try {
      // the lease's candidate scan (QueueMessagesRepository.relayBatch), with the same predicates
      const [{ 'QUERY PLAN': plan }] = await fx.db.dataSource.query<{ 'QUERY PLAN': unknown }[]>(
        `EXPLAIN (ANALYZE, FORMAT JSON) SELECT id FROM queue_messages
         WHERE sent_at IS NULL AND ${OUTBOX_ROW_DUE} <= now() + interval '${SEND_AHEAD_SECONDS} seconds'
           AND (leased_until IS NULL OR leased_until < now())
         ORDER BY ${OUTBOX_ROW_DUE} LIMIT 1000`,
      );
      const text = JSON.stringify(plan);
      expect(text).toContain('"Index Name":"idx_queue_messages_due"');
      expect(text).toMatch(/"Node Type":"Index Scan".*?"Actual Rows":2,/);
      expect(text).not.toMatch(/"Rows Removed by Filter":[1-9]/);
    } finally {
      await fx.db.dataSource.query(`DELETE FROM queue_messages WHERE job_id IS NULL`);
    }
  });

  it('sends the other rows when one row keeps failing, and keeps that one for a later pass', async () => {
    const [bad, ...good] = await jobsWithUnsentRows(3);
    await fx.db.dataSource.query(`UPDATE queue_messages SET queue_url = $1 WHERE job_id = $2`, [
      fx.queues.queueUrl.replace(/[^/]+$/, 'no-such-queue'),
      bad.id,
    ]);
    const relay = await startRelay(working);
    try {
      await relay.get(Outbox).flush();
      await relay.get(Outbox).flush();
      const byJob = new Map((await rows()).map((r) => [r.job_id, r]));
      for (const g of good) expect(byJob.get(g.id)!.sent_at).not.toBeNull();
      expect(byJob.get(bad.id)).toMatchObject({
        sent_at: null,
        leased_until: null,
        send_attempts: 2,
      });
      expect(byJob.get(bad.id)!.last_send_error).toBeTruthy();
      expect((await receiveAll()).sort()).toEqual(good.map((j) => j.id).sort());
    } finally {
      await relay.close();
    }
  });

  it('survives a pass against an unreachable database: nudge and flush never throw', async () => {
    await jobsWithUnsentRows(1);
    const proxy = await TcpProxy.start(fx.db.url);
    const relay = await startRelay(
      testConfig(proxy.urlFor(fx.db.url), {
        database: { timeouts: { ...working.database.timeouts, connectMs: 500 } },
        queue: working.queue,
      }),
    );
    try {
      await proxy.refuse();
      const outbox = relay.get(Outbox);
      expect(() => relay.get(OutboxSignal).notify()).not.toThrow();
      await expect(outbox.flush()).resolves.toBeUndefined();
      expect((await rows()).map((r) => r.sent_at)).toEqual([null]);
      await proxy.resume();
      await outbox.flush();
      expect((await rows()).map((r) => r.sent_at === null)).toEqual([false]);
    } finally {
      await relay.close().catch(() => undefined);
      await proxy.close();
    }
  });
});
