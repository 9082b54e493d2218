import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  bulkImport,
  type BulkImportPayload,
  type BulkImportResult,
  type HandlerDefinition,
  JobCatalogue,
  type JobSink,
  PermanentJobError,
} from '@app/handlers';
import { JobSubmissionService } from '@app/jobs';
import { SqlJobSink } from '@app/jobs/sql';
import { JobSinkAdapter } from '@app/processor';
import { IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { createHandlerHarness, type HandlerHarness } from '../support/handler-harness';
import { createPipelineFixture, type PipelineFixture } from '../support/pipeline-fixture';
import { waitUntil } from '../support/wait-until';

/** The fixture job types children may have: one with a required field, one with none. */
class ItemPayload {
  @MaxLength(50) @IsString() name!: string;
  @IsOptional() @Min(0) @IsInt() size?: number;
}
class NoopPayload {
  @IsOptional() @IsString() note?: string;
}

const item: HandlerDefinition<ItemPayload> = {
  type: 'item',
  payload: ItemPayload,
  run: () => Promise.resolve(null),
};
const noop: HandlerDefinition<NoopPayload> = {
  type: 'noop',
  payload: NoopPayload,
  run: () => Promise.resolve(null),
};

const CATALOGUE = new JobCatalogue([item, noop]);
const QUEUE_URL = 'http://127.0.0.1:1/000000000000/bulk-import-test';

const jsonl = (rows: readonly unknown[]): string =>
  rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

describe('bulk-import through the Lambda sink (SQL, real S3 and PostgreSQL)', () => {
  let h: HandlerHarness;
  beforeAll(async () => {
    h = await createHandlerHarness({
      jobs: (harness) =>
        new SqlJobSink(harness.services.sql, {
          catalogue: CATALOGUE,
          queues: [QUEUE_URL, QUEUE_URL],
          maxRetries: 2,
        }),
    });
  });
  afterAll(() => h.close());

  const put = (key: string, body: string) =>
    h.s3.send(new PutObjectCommand({ Bucket: h.bucket, Key: key, Body: body }));

  /** An import job row to be the children's parent (jobs.parent_id is a foreign key). */
  async function parentJob(user = 'alice'): Promise<string> {
    const [row] = await h.services.sql.query<{ id: string }>(
      `INSERT INTO jobs (user_id, job_type, payload, status, attempt, started_at)
       VALUES ($1, 'bulk-import', '{}', 'processing', 1, now()) RETURNING id`,
      [user],
    );
    return row.id;
  }

  async function run(payload: BulkImportPayload, parentId: string, attempt = 1) {
    const { ctx, recorded } = h.context({ jobId: parentId, jobType: 'bulk-import', attempt });
    const result: BulkImportResult = await bulkImport.run(payload, ctx);
    return { result, recorded };
  }

  const childCount = async (parentId: string) =>
    (
      await h.services.sql.query<{ jobs: number; messages: number }>(
        `SELECT (SELECT count(*)::int FROM jobs WHERE parent_id = $1) AS jobs,
                (SELECT count(*)::int FROM queue_messages q JOIN jobs j ON j.id = q.job_id
                 WHERE j.parent_id = $1) AS messages`,
        [parentId],
      )
    )[0];

  describe('10,000 JSON Lines with 3 bad ones', () => {
    let parentId: string;
    let first: Awaited<ReturnType<typeof run>>;
    beforeAll(async () => {
      const rows: unknown[] = Array.from({ length: 10_000 }, (_, i) => ({
        jobType: 'item',
        payload: { name: `item-${i + 1}`, size: i },
      }));
      rows[16] = '{"jobType": "item", "payload": {"name": "unterminated"';
      rows[4241] = { jobType: 'no-such-type', payload: {} };
      rows[9998] = { jobType: 'item', payload: { name: 42, colour: 'red' } };
      await put('users/alice/imports/10k.jsonl', jsonl(rows));
      parentId = await parentJob();
      first = await run({ source: `s3://${h.bucket}/users/alice/imports/10k.jsonl` }, parentId);
    });

    it('creates 9,997 children of the import, each with one outbox row', async () => {
      expect(first.result).toMatchObject({
        created: 9_997,
        skippedExisting: 0,
        rejected: 3,
        lines: 10_000,
      });
      expect(await childCount(parentId)).toEqual({ jobs: 9_997, messages: 9_997 });
      const [child] = await h.services.sql.query<Record<string, unknown>>(
        `SELECT j.user_id, j.job_type, j.payload, j.status, j.max_retries, j.idempotency_key,
                q.queue_url, q.attempt, q.sent_at
         FROM jobs j JOIN queue_messages q ON q.job_id = j.id
         WHERE j.parent_id = $1 AND j.idempotency_key = $2`,
        [parentId, `import:${parentId}:5000`],
      );
      expect(child).toEqual({
        user_id: 'alice',
        job_type: 'item',
        payload: { name: 'item-5000', size: 4999 },
        status: 'pending',
        max_retries: 2,
        idempotency_key: `import:${parentId}:5000`,
        queue_url: QUEUE_URL,
        attempt: 1,
        sent_at: null,
      });
    });

    it('lists the rejected lines with their numbers and reasons', () => {
      expect(first.result.rejectedLines).toEqual([
        { line: 17, reason: 'invalid JSON' },
        {
          line: 4242,
          reason:
            'job type not allowed in a bulk import (allowed: echo, export, item, noop, thumbnail-generation)',
        },
        {
          line: 9999,
          reason:
            'Invalid payload for "item": payload has a property its type does not accept; payload.name must be a string',
        },
      ]);
    });

    it('reports progress by bytes read, rising to 100', () => {
      const { progress } = first.recorded;
      expect(progress.length).toBeGreaterThan(3);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(progress.at(-1)).toBe(100);
      expect(progress.filter((p) => p > 0 && p < 100).length).toBeGreaterThan(1);
    });

    it('creates nothing new when the import is retried', async () => {
      const again = await run(
        { source: `s3://${h.bucket}/users/alice/imports/10k.jsonl` },
        parentId,
        2,
      );
      expect(again.result).toMatchObject({
        created: 0,
        skippedExisting: 9_997,
        rejected: 3,
        lines: 10_000,
      });
      expect(await childCount(parentId)).toEqual({ jobs: 9_997, messages: 9_997 });
    });
  });

  it('imports a CSV manifest with a quoted JSON payload column', async () => {
    const lines = ['jobType,payload'];
    for (let i = 1; i <= 500; i++) {
      lines.push(`item,"${JSON.stringify({ name: `row ${i}, quoted` }).replace(/"/g, '""')}"`);
    }
    lines[100] = 'item'; // line 101: one field
    lines[200] = 'noop,'; // an empty payload cell is {}
    lines[300] = 'item,"{""name"": 7}"';
    await put('users/alice/imports/500.csv', lines.join('\r\n') + '\r\n');
    const parentId = await parentJob();
    const { result } = await run(
      { source: `s3://${h.bucket}/users/alice/imports/500.csv`, batchSize: 64 },
      parentId,
    );
    expect(result).toEqual({
      created: 498,
      skippedExisting: 0,
      rejected: 2,
      rejectedLines: [
        { line: 101, reason: 'expected 2 fields as in the header, got 1' },
        { line: 301, reason: 'Invalid payload for "item": payload.name must be a string' },
      ],
      lines: 500,
      truncated: false,
    });
    const payloads = await h.services.sql.query<{ key: string; payload: unknown }>(
      `SELECT idempotency_key AS key, payload FROM jobs
       WHERE parent_id = $1 AND idempotency_key = ANY($2) ORDER BY idempotency_key`,
      [parentId, [`import:${parentId}:2`, `import:${parentId}:201`]],
    );
    expect(payloads).toEqual([
      { key: `import:${parentId}:2`, payload: { name: 'row 1, quoted' } },
      { key: `import:${parentId}:201`, payload: {} },
    ]);
    expect(await childCount(parentId)).toEqual({ jobs: 498, messages: 498 });
  });

  it('lists at most maxRejected bad lines but counts them all', async () => {
    const rows = Array.from({ length: 30 }, (_, i) =>
      i % 3 === 0 ? { jobType: 'item', payload: { name: 'ok' } } : { payload: {} },
    );
    await put('users/alice/imports/mostly-bad.ndjson', jsonl(rows));
    const { result } = await run(
      { source: `s3://${h.bucket}/users/alice/imports/mostly-bad.ndjson`, maxRejected: 5 },
      await parentJob(),
    );
    expect(result.created).toBe(10);
    expect(result.rejected).toBe(20);
    expect(result.rejectedLines).toEqual(
      [2, 3, 5, 6, 8].map((line) => ({ line, reason: 'jobType is missing' })),
    );
  });

  it('fails permanently for a missing manifest, naming it, and creates nothing', async () => {
    const parentId = await parentJob();
    const source = `s3://${h.bucket}/users/alice/imports/not-there.jsonl`;
    const error = await run({ source }, parentId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentJobError);
    expect((error as Error).message).toContain(source);
    expect(await childCount(parentId)).toEqual({ jobs: 0, messages: 0 });
  });

  it('needs a format for a key without a known extension, and uses the one given', async () => {
    await put('users/alice/imports/manifest.txt', jsonl([{ jobType: 'noop', payload: {} }]));
    const source = `s3://${h.bucket}/users/alice/imports/manifest.txt`;
    await expect(run({ source }, await parentJob())).rejects.toThrow(
      new PermanentJobError(
        `cannot tell the format of ${source} from its extension: set format to csv or jsonl`,
      ),
    );
    const { result } = await run({ source, format: 'jsonl' }, await parentJob());
    expect(result.created).toBe(1);
  });

  it('stops between batches when its signal fires, keeping the batches already written', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => ({
      jobType: 'item',
      payload: { name: `n${i}` },
    }));
    await put('users/alice/imports/abort.jsonl', jsonl(rows));
    const parentId = await parentJob();
    const abort = new AbortController();
    const { ctx } = h.context({ jobId: parentId, signal: abort.signal });
    const reporting = ctx.progress;
    const error = await bulkImport
      .run(
        { source: `s3://${h.bucket}/users/alice/imports/abort.jsonl`, batchSize: 100 },
        {
          ...ctx,
          progress: (p) => {
            reporting(p);
            if (p > 0) abort.abort('cancelled');
          },
        },
      )
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe('bulk-import aborted: cancelled');
    expect(await childCount(parentId)).toEqual({ jobs: 100, messages: 100 });
  });

  describe('SqlJobSink', () => {
    const sink = () => h.services.jobs;

    it('says why a child is invalid, or null', () => {
      expect(sink().validate('alice', 'item', { name: 'ok' })).toBeNull();
      expect(sink().validate('alice', 'nope', {})).toBe('unknown job type');
      expect(sink().validate('alice', 'item', { size: -1 })).toBe(
        'Invalid payload for "item": payload.name must be a string; payload.size must not be less than 0',
      );
      expect(sink().validate('alice', 'item', 'text')).toBe(
        'Invalid payload for "item": payload must be an object',
      );
    });

    it('creates each idempotency key once, across calls and within one call', async () => {
      const parent = { id: await parentJob('bob'), userId: 'bob' };
      const child = (key: string) => ({
        jobType: 'item',
        payload: { name: key },
        idempotencyKey: key,
      });
      expect(await sink().createChildren(parent, [child('k1'), child('k2'), child('k1')])).toBe(2);
      expect(await sink().createChildren(parent, [child('k2'), child('k3')])).toBe(1);
      expect(await childCount(parent.id)).toEqual({ jobs: 3, messages: 3 });
    });

    it('writes nothing when one child of the batch is invalid', async () => {
      const parent = { id: await parentJob('bob'), userId: 'bob' };
      await expect(
        sink().createChildren(parent, [
          { jobType: 'item', payload: { name: 'fine' }, idempotencyKey: 'x1' },
          { jobType: 'item', payload: {}, idempotencyKey: 'x2' },
        ]),
      ).rejects.toThrow('child x2: Invalid payload for "item": payload.name must be a string');
      expect(await childCount(parent.id)).toEqual({ jobs: 0, messages: 0 });
    });
  });
});

describe('bulk-import through the worker sink (JobSinkAdapter over JobSubmissionService)', () => {
  let fx: PipelineFixture;
  let h: HandlerHarness;
  let adapter: JobSink;
  let sqlSink: JobSink;
  beforeAll(async () => {
    fx = await createPipelineFixture({ types: [item, noop] });
    // the worker's sink over the fixture's submission, validating against the fixture types only
    adapter = new JobSinkAdapter(CATALOGUE, fx.api.get(JobSubmissionService));
    h = await createHandlerHarness({ jobs: () => adapter });
    sqlSink = new SqlJobSink(h.services.sql, {
      catalogue: CATALOGUE,
      queues: ['', ''],
      maxRetries: 3,
    });
  });
  afterAll(async () => {
    await h.close();
    await fx.close();
  });

  it('validates with the same messages as the Lambda sink', () => {
    const cases: [string, unknown][] = [
      ['item', { name: 'ok' }],
      ['nope', {}],
      ['item', { size: -1, extra: 1 }],
      ['item', null],
      ['noop', { anything: true }],
    ];
    for (const [type, payload] of cases) {
      expect(adapter.validate('alice', type, payload)).toBe(
        sqlSink.validate('alice', type, payload),
      );
    }
    expect(adapter.validate('alice', 'nope', {})).toBe('unknown job type');
  });

  it('imports into the worker’s database with outbox rows the relay sends, once across retries', async () => {
    const [parent] = await fx.submit('carol', [{ jobType: 'noop', payload: {} }]);
    const rows = Array.from({ length: 120 }, (_, i) =>
      i === 7 ? { jobType: 'item', payload: {} } : { jobType: 'item', payload: { name: `c${i}` } },
    );
    await h.s3.send(
      new PutObjectCommand({
        Bucket: h.bucket,
        Key: 'users/carol/worker.jsonl',
        Body: jsonl(rows),
      }),
    );
    const payload = { source: `s3://${h.bucket}/users/carol/worker.jsonl`, batchSize: 50 };
    const ctx = (attempt: number) =>
      h.context({ jobId: parent.id, userId: 'carol', jobType: 'bulk-import', attempt }).ctx;

    expect(await bulkImport.run(payload, ctx(1))).toMatchObject({
      created: 119,
      skippedExisting: 0,
      rejected: 1,
      rejectedLines: [
        { line: 8, reason: 'Invalid payload for "item": payload.name must be a string' },
      ],
    });
    expect(await bulkImport.run(payload, ctx(2))).toMatchObject({
      created: 0,
      skippedExisting: 119,
    });

    const count = () =>
      fx.db.dataSource.query<{ jobs: number; sent: number }[]>(
        `SELECT count(DISTINCT j.id)::int AS jobs, count(q.sent_at)::int AS sent
         FROM jobs j JOIN queue_messages q ON q.job_id = j.id
         WHERE j.parent_id = $1 AND j.user_id = 'carol'`,
        [parent.id],
      );
    await waitUntil(async () => (await count())[0].sent === 119, 10_000, 'the children sent');
    expect(await count()).toEqual([{ jobs: 119, sent: 119 }]);
  });

  it('skips keys already used and refuses an invalid child', async () => {
    const [parent] = await fx.submit('dave', [{ jobType: 'noop', payload: {} }]);
    const ref = { id: parent.id, userId: 'dave' };
    const child = (key: string) => ({ jobType: 'noop', payload: {}, idempotencyKey: key });
    expect(await adapter.createChildren(ref, [child('a'), child('b'), child('a')])).toBe(2);
    expect(await adapter.createChildren(ref, [child('b'), child('c')])).toBe(1);
    await expect(
      adapter.createChildren(ref, [{ jobType: 'item', payload: {}, idempotencyKey: 'd' }]),
    ).rejects.toThrow('Invalid payload for "item": payload.name must be a string');
    const keys = await fx.db.dataSource.query<{ key: string }[]>(
      `SELECT idempotency_key AS key FROM jobs WHERE parent_id = $1 ORDER BY 1`,
      [parent.id],
    );
    expect(keys.map((k) => k.key)).toEqual(['a', 'b', 'c']);
  });
});
