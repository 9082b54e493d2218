// SQS (fauxqs emulator on loopback) + PostgreSQL pipeline.
// variant 'send'  : enqueue = SendMessage / SendMessageBatch(10); worker = sqs-consumer handleMessage
//                   (batchSize 10, one UPDATE per message, DeleteMessage per message).
// variant 'pg'    : enqueue = INSERT ... RETURNING id, then SendMessage (the shape of an API that records
//                   the job in Postgres and hands it to SQS); worker as 'send'.
// variant 'batch' : worker = sqs-consumer handleMessageBatch (one UPDATE per message, DeleteMessageBatch).
// Concurrency: CONCURRENCY/10 consumers (5 x batchSize 10 = 50 messages in flight).
import pg from 'pg';
import {
  SQSClient,
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueUrlCommand,
  SendMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';
import { PG_URL, SQS_ENDPOINT, CONCURRENCY, pgAdmin, chunk } from '../../lib/common.mjs';

const QUEUE = 'bench';
const TABLE = 'sqs_jobs';
const UPDATE = `UPDATE ${TABLE} SET status = 'completed', completed_at = now() WHERE id = $1`;

export default async function make(variant = 'send') {
  const sqs = new SQSClient({
    endpoint: SQS_ENDPOINT,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    useQueueUrlAsEndpoint: false,
  });
  const pool = new pg.Pool({ connectionString: PG_URL, max: 10 }); // TypeORM/pg default pool size
  let queueUrl;
  let consumers = [];
  let processed = 0;

  const send = (body) =>
    sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(body) }));
  const sendBatch = (bodies) =>
    sqs
      .send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: bodies.map((b, k) => ({ Id: String(k), MessageBody: JSON.stringify(b) })),
        }),
      )
      .then((r) => {
        if (r.Failed?.length)
          throw new Error(`SendMessageBatch failed: ${JSON.stringify(r.Failed[0])}`);
        return r;
      });

  return {
    bulkChunk: 10,
    async reset() {
      try {
        const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: QUEUE }));
        await sqs.send(new DeleteQueueCommand({ QueueUrl }));
      } catch {
        /* queue did not exist */
      }
      ({ QueueUrl: queueUrl } = await sqs.send(
        new CreateQueueCommand({ QueueName: QUEUE, Attributes: { VisibilityTimeout: '60' } }),
      ));
      await pgAdmin(async (c) => {
        await c.query(`DROP TABLE IF EXISTS ${TABLE}`);
        await c.query(
          `CREATE TABLE ${TABLE} (id bigserial PRIMARY KEY, status text NOT NULL DEFAULT 'queued',
             payload jsonb, created_at timestamptz NOT NULL DEFAULT now(), completed_at timestamptz)`,
        );
      });
    },
    // Rows the worker will UPDATE, for runs whose producer does not INSERT them itself.
    async prepareRows(n, force = false) {
      if (variant === 'pg' && !force) return;
      await pgAdmin((c) =>
        c.query(`INSERT INTO ${TABLE} (payload) SELECT '{}'::jsonb FROM generate_series(1, $1)`, [
          n,
        ]),
      );
    },
    async enqueue(data) {
      if (variant === 'pg') {
        const r = await pool.query(`INSERT INTO ${TABLE} (payload) VALUES ($1) RETURNING id`, [
          data,
        ]);
        return send({ ...data, id: r.rows[0].id });
      }
      return send({ ...data, id: data.i + 1 });
    },
    async enqueueBulk(datas) {
      if (variant === 'pg') {
        const vals = datas.map((_, k) => `($${k + 1})`).join(',');
        const r = await pool.query(
          `INSERT INTO ${TABLE} (payload) VALUES ${vals} RETURNING id`,
          datas,
        );
        return sendBatch(datas.map((d, k) => ({ ...d, id: r.rows[k].id })));
      }
      return sendBatch(datas.map((d) => ({ ...d, id: d.i + 1 })));
    },
    // Untimed fill for the processing phase: rows + messages, 20 batch calls in flight.
    async prefill(n) {
      await this.prepareRows(n, true);
      const batches = chunk(
        Array.from({ length: n }, (_, i) => ({ i, id: i + 1 })),
        10,
      );
      let next = 0;
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          while (next < batches.length) await sendBatch(batches[next++]);
        }),
      );
    },
    async startWorker(onStart) {
      const handlerOpts =
        variant === 'batch'
          ? {
              handleMessageBatch: async (msgs) => {
                const bodies = msgs.map((m) => JSON.parse(m.Body));
                for (const b of bodies) onStart(b);
                await Promise.all(bodies.map((b) => pool.query(UPDATE, [b.id])));
                return msgs;
              },
            }
          : {
              handleMessage: async (m) => {
                const b = JSON.parse(m.Body);
                onStart(b);
                await pool.query(UPDATE, [b.id]);
                return m; // acknowledge -> DeleteMessage
              },
            };
      const count = Math.max(1, Math.round(CONCURRENCY / 10));
      for (let k = 0; k < count; k++) {
        const c = Consumer.create({
          queueUrl,
          sqs,
          batchSize: 10,
          waitTimeSeconds: 20,
          ...handlerOpts,
        });
        c.on('error', (e) => console.error('consumer error', e.message));
        c.on('processing_error', (e) => console.error('processing error', e.message));
        c.on('message_processed', () => processed++);
        c.start();
        consumers.push(c);
      }
    },
    completed: () => processed,
    async pending(c) {
      const r = await c.query(
        `SELECT count(*)::int AS n FROM ${TABLE} WHERE status <> 'completed'`,
      );
      return r.rows[0].n;
    },
    async close() {
      for (const c of consumers) c.stop({ abort: true });
      await pool.end();
      sqs.destroy();
    },
  };
}
