import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { ExportPayload, exportJobs, type ExportResult, type HandlerContext } from '@app/handlers';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { parse } from 'csv-parse/sync';
import { parse as parseStream } from 'csv-parse';
import type { Readable } from 'node:stream';
import { createHandlerHarness, type HandlerHarness } from '../support/handler-harness';

/** The documented column order, spelled out independently of the code's constant. */
const HEADER_LINE =
  'id,job_type,status,created_at,started_at,completed_at,retry_count,progress,error_message,payload,results';
const HEADER = HEADER_LINE.split(',');

/** Alice's jobs, oldest first; values chosen to stress CSV quoting and JSON round-trips. */
const ALICE = [
  {
    id: '00000000-0000-4000-8000-000000000001',
    job_type: 'thumbnail-generation',
    status: 'completed',
    created_at: '2024-01-10T10:00:00.123456Z',
    started_at: '2024-01-10T10:00:01.000000Z',
    completed_at: '2024-01-10T10:00:05.500000Z',
    retry_count: 0,
    progress: 100,
    error_message: null,
    payload: { source: 's3://media/a.mp4', note: 'a, "quoted"\nnote', emoji: 'é🎬' },
    results: { thumbnails: [{ key: 'k', width: 320 }] },
  },
  {
    id: '00000000-0000-4000-8000-000000000002',
    job_type: 'export',
    status: 'failed',
    created_at: '2024-02-10T00:00:00.000000Z',
    started_at: '2024-02-10T00:00:01.000000Z',
    completed_at: '2024-02-10T00:00:02.000000Z',
    retry_count: 2,
    progress: 40,
    error_message: 'boom, "bad"\r\nsecond line',
    payload: { format: 'csv' },
    results: null,
  },
  {
    id: '00000000-0000-4000-8000-000000000003',
    job_type: 'thumbnail-generation',
    status: 'pending',
    created_at: '2024-03-10T00:00:00.000000Z',
    started_at: null,
    completed_at: null,
    retry_count: 0,
    progress: 0,
    error_message: null,
    payload: {},
    results: null,
  },
  {
    id: '00000000-0000-4000-8000-000000000004',
    job_type: 'echo',
    status: 'cancelled',
    created_at: '2024-03-20T00:00:00.000000Z',
    started_at: null,
    completed_at: null,
    retry_count: 0,
    progress: 0,
    error_message: null,
    payload: { message: '' },
    results: null,
  },
];

const BULK_ROWS = 40_000;

describe('export handler (PostgreSQL → CSV / JSON Lines → S3 multipart upload)', () => {
  let h: HandlerHarness;

  beforeAll(async () => {
    h = await createHandlerHarness();
    for (const job of [...ALICE.map((j) => ({ ...j, user: 'alice' })), bobsJob]) {
      await h.pool.query(
        `INSERT INTO jobs (id, user_id, job_type, status, created_at, started_at, completed_at,
           retry_count, max_retries, progress, error_message, payload, results)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 3, $9, $10, $11, $12)`,
        [
          job.id,
          job.user,
          job.job_type,
          job.status,
          job.created_at,
          job.started_at,
          job.completed_at,
          job.retry_count,
          job.progress,
          job.error_message,
          JSON.stringify(job.payload),
          job.results === null ? null : JSON.stringify(job.results),
        ],
      );
    }
    // ten jobs share each created_at, so pages end inside ties and the cursor needs the id too
    await h.pool.query(
      `INSERT INTO jobs (user_id, job_type, status, created_at, payload)
       SELECT 'bulk', 'thumbnail-generation', 'completed',
              timestamptz '2024-06-01T00:00:00Z' + (i / 10) * interval '1 millisecond',
              jsonb_build_object('source', 's3://media/' || repeat('v', 40) || i || '.mp4', 'n', i)
       FROM generate_series(1, $1) AS i`,
      [BULK_ROWS],
    );
  });
  afterAll(() => h.close());

  const bobsJob = {
    ...ALICE[0],
    id: '00000000-0000-4000-8000-0000000000b0',
    user: 'bob',
    payload: { owner: 'bob' },
  };

  const run = (plain: object, ctx: HandlerContext) =>
    exportJobs.run(plainToInstance(ExportPayload, plain), ctx);

  const read = async (result: ExportResult) => {
    const got = await h.s3.send(new GetObjectCommand({ Bucket: result.bucket, Key: result.key }));
    return Buffer.from(await got.Body!.transformToByteArray());
  };

  const csvRows = (bytes: Buffer): Record<string, string>[] =>
    parse<Record<string, string>>(bytes, { columns: true });

  it('writes the caller’s jobs as CSV with a header, oldest first, values intact', async () => {
    const { ctx, recorded } = h.context({ userId: 'alice' });
    const result = await run({}, ctx);

    expect(result).toMatchObject({
      bucket: h.bucket,
      key: `exports/alice/${ctx.jobId}.csv`,
      format: 'csv',
      rows: 4,
    });
    const bytes = await read(result);
    expect(result.bytes).toBe(bytes.length);
    expect(bytes.toString('utf8').split('\n')[0]).toBe(HEADER.join(','));
    const rows = csvRows(bytes);
    expect(rows.map((r) => r.id)).toEqual(ALICE.map((j) => j.id));
    rows.forEach((row, i) => {
      const job = ALICE[i];
      const { payload: _payload, results: _results, ...scalars } = job;
      expect(row).toMatchObject(
        Object.fromEntries(
          Object.entries(scalars).map(([k, v]) => [k, v === null ? '' : String(v)]),
        ),
      );
      expect(JSON.parse(row.payload)).toEqual(job.payload);
      expect(row.results === '' ? null : JSON.parse(row.results)).toEqual(job.results);
    });
    expect(rows[1].error_message).toBe('boom, "bad"\r\nsecond line');
    expect(recorded.progress.at(-1)).toBe(100);
  });

  it('writes JSON Lines with payload and results as JSON objects', async () => {
    const { ctx } = h.context({ userId: 'alice' });
    const result = await run({ format: 'jsonl' }, ctx);

    expect(result.key).toBe(`exports/alice/${ctx.jobId}.jsonl`);
    const lines = (await read(result)).toString('utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    const records = lines.slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toEqual(ALICE);
    expect(Object.keys(records[0])).toEqual(HEADER);
  });

  it.each([
    [{ status: 'failed' }, ['...002']],
    [{ status: ['pending', 'cancelled'] }, ['...003', '...004']],
    [{ jobType: 'thumbnail-generation' }, ['...001', '...003']],
    [{ createdFrom: '2024-02-01', createdTo: '2024-03-20T00:00:00Z' }, ['...002', '...003']],
    [{ createdFrom: '2024-02-10T01:00:00+01:00' }, ['...002', '...003', '...004']],
    [{ status: 'completed', jobType: 'echo' }, []],
  ])('honours the filter %j', async (filter, expected) => {
    const { ctx } = h.context({ userId: 'alice' });
    const result = await run({ format: 'jsonl', ...filter }, ctx);
    const ids = (await read(result))
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => (JSON.parse(line) as { id: string }).id);
    expect(ids.map((id) => `...${id.slice(-3)}`)).toEqual(expected);
    expect(result.rows).toBe(expected.length);
  });

  it('exports only the calling user’s jobs', async () => {
    const { ctx } = h.context({ userId: 'bob' });
    const rows = csvRows(await read(await run({}, ctx)));
    expect(rows.map((r) => [r.id, JSON.parse(r.payload) as unknown])).toEqual([
      [bobsJob.id, { owner: 'bob' }],
    ]);
  });

  it('still writes a file when nothing matches: the CSV header alone, or an empty JSON Lines file', async () => {
    const csv = await run({}, h.context({ userId: 'nobody' }).ctx);
    expect(csv).toMatchObject({ rows: 0, bytes: HEADER.join(',').length + 1 });
    expect((await read(csv)).toString('utf8')).toBe(`${HEADER.join(',')}\n`);

    const jsonl = await run({ format: 'jsonl' }, h.context({ userId: 'nobody' }).ctx);
    expect(jsonl).toMatchObject({ rows: 0, bytes: 0 });
    expect((await read(jsonl)).length).toBe(0);
  });

  it('returns a presigned URL that serves the same bytes until expiresAt', async () => {
    const { ctx } = h.context({ userId: 'alice' });
    const before = Date.now();
    const result = await run({}, ctx);

    const url = new URL(result.url);
    expect(['127.0.0.1', 'localhost']).toContain(url.hostname);
    expect(url.searchParams.get('X-Amz-Expires')).toBe(
      String(h.services.settings.exportUrlTtlSeconds),
    );
    const expiresAt = Date.parse(result.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 900_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 900_000);

    const response = await fetch(result.url);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(await read(result))).toBe(true);
  });

  it('streams an export larger than one 5 MB part through a multipart upload, progress by rows', async () => {
    const { ctx, recorded } = h.context({ userId: 'bulk' });
    const result = await run({}, ctx);

    expect(result.rows).toBe(BULK_ROWS);
    expect(result.bytes).toBeGreaterThan(5 * 1024 * 1024);
    const head = await h.s3.send(new HeadObjectCommand({ Bucket: result.bucket, Key: result.key }));
    expect(head.ContentLength).toBe(result.bytes);
    // one step per page of 2,000 rows, then 100 once the upload is complete
    expect(recorded.progress).toEqual([
      ...Array.from({ length: BULK_ROWS / 2000 - 1 }, (_, i) => ((i + 1) * 2000 * 100) / BULK_ROWS),
      99,
      100,
    ]);

    const got = await h.s3.send(new GetObjectCommand({ Bucket: result.bucket, Key: result.key }));
    const ns: number[] = [];
    for await (const row of (got.Body as Readable).pipe(parseStream({ columns: true }))) {
      ns.push((JSON.parse((row as { payload: string }).payload) as { n: number }).n);
    }
    expect(ns.length).toBe(BULK_ROWS);
    expect(new Set(ns).size).toBe(BULK_ROWS);
  });

  it('reads pages after a cursor in index order (no sort of the rows ahead), so a page deep in a million-row export costs what the first does', async () => {
    // record the statements the handler sends, then ask PostgreSQL how it runs a later page
    const pages: { sql: string; params: readonly unknown[] }[] = [];
    const recording = {
      ...h.services.sql,
      query: <T>(sql: string, params: readonly unknown[] = []) => {
        if (sql.includes('LIMIT')) pages.push({ sql, params });
        return h.services.sql.query<T>(sql, params);
      },
    };
    await h.pool.query('ANALYZE jobs');
    const { ctx } = h.context({ userId: 'bulk' });
    await exportJobs.run(plainToInstance(ExportPayload, {}), {
      ...ctx,
      services: { ...ctx.services, sql: recording },
    });
    expect(pages.length).toBeGreaterThan(2);
    // a page after a cursor, with most rows still ahead (near the end a bitmap scan and a
    // sort of the few rows left is the planner's sound choice)
    const deep = pages[1];
    const { rows } = await h.pool.query<{ 'QUERY PLAN': unknown }>(
      `EXPLAIN (FORMAT JSON) ${deep.sql}`,
      deep.params as unknown[],
    );
    const plan = JSON.stringify(rows[0]['QUERY PLAN']);
    expect(plan).toContain('idx_jobs_user_created');
    expect(plan).not.toMatch(/"Node Type":"(Sort|Incremental Sort|Seq Scan)"/);
  });

  it('stops and leaves no file when its signal is aborted mid-export', async () => {
    const controller = new AbortController();
    const { ctx: base, recorded } = h.context({ userId: 'bulk', signal: controller.signal });
    const ctx: HandlerContext = {
      ...base,
      progress(percent) {
        base.progress(percent);
        controller.abort('cancelled');
      },
    };
    await expect(run({}, ctx)).rejects.toThrow();
    expect(recorded.progress).toEqual([(2000 * 100) / BULK_ROWS]);
    await expect(
      h.s3.send(new HeadObjectCommand({ Bucket: h.bucket, Key: `exports/bulk/${ctx.jobId}.csv` })),
    ).rejects.toMatchObject({ name: 'NotFound' });
  });

  it.each([
    [
      { createdFrom: '2024-03-01', createdTo: '2024-02-01' },
      'createdTo must not be before createdFrom',
    ],
    [{ format: 'xml' }, 'format must be one of the following values: csv, jsonl'],
    [{ status: 'done' }, 'each value in status must be one of the following values'],
    [
      { createdFrom: '2024-03-01T10:00:00' },
      'createdFrom must be a date (2024-05-01) or a date-time with a zone',
    ],
    [{ createdTo: '2024-02-30' }, 'createdTo must be a valid ISO 8601 date string'],
    [{ jobType: 'Not A Type' }, 'jobType must be a job type name'],
  ])('its payload class refuses %j', async (plain, message) => {
    const errors = await validate(plainToInstance(ExportPayload, plain), {
      whitelist: true,
      forbidNonWhitelisted: true,
      stopAtFirstError: true,
    });
    expect(errors.flatMap((e) => Object.values(e.constraints ?? {}))).toEqual([
      expect.stringContaining(message),
    ]);
  });

  it('its payload class accepts one status as well as a list, and an equal from and to', async () => {
    const payload = plainToInstance(ExportPayload, {
      status: 'failed',
      createdFrom: '2024-03-01',
      createdTo: '2024-03-01T00:00:00Z',
    });
    expect(await validate(payload, { whitelist: true, forbidNonWhitelisted: true })).toEqual([]);
    expect(payload.status).toEqual(['failed']);
  });
});
