import type { StatsOverviewResponseDto } from '../../apps/api/src/jobs/dto/stats-overview.response.dto';
import type {
  JobAcceptedResponseDto,
  JobBatchAcceptedResponseDto,
} from '../../apps/api/src/jobs/dto/job-accepted.response.dto';
import {
  type ApiFixture,
  bearer,
  body,
  createApiFixture,
  type ErrorBody,
  eventually,
  ISO_DATE,
  UUID,
  type Wire,
} from './support/api-fixture';

type Accepted = Wire<JobAcceptedResponseDto>;

describe('POST /api/v1/jobs and /api/v1/jobs/batch', () => {
  let fx: ApiFixture;
  const post = (sub: string, payload: unknown, headers: Record<string, string> = {}) =>
    fx
      .http()
      .post('/api/v1/jobs')
      .set({ ...bearer(fx.token(sub)), ...headers })
      .send(payload as object);
  const batch = (sub: string, jobs: unknown) =>
    fx
      .http()
      .post('/api/v1/jobs/batch')
      .set(bearer(fx.token(sub)))
      .send({ jobs });
  const jobsOf = (sub: string) => fx.count('jobs', 'user_id = $1', [sub]);

  beforeAll(async () => {
    fx = await createApiFixture({ overrides: { http: { bodyLimitBytes: 64 * 1024 } } });
  });
  afterAll(() => fx.close());

  it('answers 202 with the specification’s fields and stores the job with its queue message', async () => {
    const res = await post('create-1', { jobType: 'echo', payload: { message: 'hi' } });
    expect(res.status).toBe(202);
    const { data } = body<Accepted>(res);
    expect(Object.keys(data).sort()).toEqual(['createdAt', 'id', 'jobType', 'status']);
    expect(data).toEqual({
      id: expect.stringMatching(UUID) as string,
      status: 'pending',
      jobType: 'echo',
      createdAt: expect.stringMatching(ISO_DATE) as string,
    });
    const [row] = await fx.db.dataSource.query<{ user_id: string; payload: unknown }[]>(
      `SELECT user_id, payload FROM jobs WHERE id = $1`,
      [data.id],
    );
    expect(row).toEqual({ user_id: 'create-1', payload: { message: 'hi' } });
    expect(await fx.count('queue_messages', 'job_id = $1', [data.id])).toBe(1);
  });

  it('refuses an unknown field with 400 VALIDATION_FAILED naming it, and writes nothing', async () => {
    const res = await post('create-2', { jobType: 'echo', payload: {}, urgency: 'high' });
    expect(res.status).toBe(400);
    expect(body<ErrorBody>(res).error).toEqual({
      code: 'VALIDATION_FAILED',
      message: expect.any(String) as string,
      details: [{ field: 'urgency', message: 'property urgency should not exist' }],
    });
    expect(await jobsOf('create-2')).toBe(0);
  });

  it('refuses wrong types, naming every wrong field', async () => {
    const res = await post('create-3', { jobType: 42, payload: 'text', maxRetries: 101 });
    expect(res.status).toBe(400);
    const { error } = body<ErrorBody>(res);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect([...new Set(error.details.map((d) => d.field))].sort()).toEqual([
      'jobType',
      'maxRetries',
      'payload',
    ]);
    expect(await jobsOf('create-3')).toBe(0);
  });

  it('refuses a missing body field', async () => {
    const res = await post('create-3b', { payload: {} });
    expect(res.status).toBe(400);
    expect(body<ErrorBody>(res).error.details.map((d) => d.field)).toContain('jobType');
  });

  it('refuses an unknown job type with 400 JOB_TYPE_UNKNOWN on the jobType field', async () => {
    const res = await post('create-4', { jobType: 'teleport', payload: {} });
    expect(res.status).toBe(400);
    const { error } = body<ErrorBody>(res);
    expect(error.code).toBe('JOB_TYPE_UNKNOWN');
    expect(error.details).toEqual([
      {
        field: 'jobType',
        message: expect.stringContaining(
          'known types: bulk-import, cleanup-jobs, echo, export, thumbnail-generation',
        ) as string,
      },
    ]);
    expect(await jobsOf('create-4')).toBe(0);
  });

  it('validates the payload against the handler’s payload class, naming payload.<field>', async () => {
    const res = await post('create-5', {
      jobType: 'echo',
      payload: { delayMs: 'soon', colour: 'red' },
    });
    expect(res.status).toBe(400);
    const { error } = body<ErrorBody>(res);
    expect(error.code).toBe('JOB_PAYLOAD_INVALID');
    expect(error.details.map((d) => d.field).sort()).toEqual(['payload.colour', 'payload.delayMs']);
    expect(await jobsOf('create-5')).toBe(0);
  });

  it('validates the library job types too: a thumbnail job needs an s3:// source and sane widths', async () => {
    const bad = await post('create-5b', {
      jobType: 'thumbnail-generation',
      payload: { source: 'https://example.com/v.mp4', widths: [8] },
    });
    expect(bad.status).toBe(400);
    const { error } = body<ErrorBody>(bad);
    expect(error.code).toBe('JOB_PAYLOAD_INVALID');
    expect(error.details.map((d) => d.field).sort()).toEqual(['payload.source', 'payload.widths']);
    const good = await post('create-5c', {
      jobType: 'thumbnail-generation',
      payload: { source: 's3://jobqueue-media/users/create-5c/videos/v.mp4', widths: [320, 640] },
    });
    expect(good.status).toBe(202);
    expect(await jobsOf('create-5b')).toBe(0);
    expect(await jobsOf('create-5c')).toBe(1);
  });

  it('refuses a body over HTTP_BODY_LIMIT_BYTES with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await post('create-6', {
      jobType: 'echo',
      payload: { message: 'x'.repeat(70_000) },
    });
    expect(res.status).toBe(413);
    expect(body<ErrorBody>(res).error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: [] });
    expect(await jobsOf('create-6')).toBe(0);
  });

  it('answers malformed JSON with 400 in the error envelope', async () => {
    const res = await fx
      .http()
      .post('/api/v1/jobs')
      .set({ ...bearer(fx.token('create-7')), 'Content-Type': 'application/json' })
      .send('{"jobType": "echo",');
    expect(res.status).toBe(400);
    expect(body<ErrorBody>(res).error.code).toBe('BAD_REQUEST');
  });

  it('answers a body that is not JSON with 415 in the error envelope', async () => {
    const res = await fx
      .http()
      .post('/api/v1/jobs')
      .set({ ...bearer(fx.token('create-8')), 'Content-Type': 'text/plain' })
      .send('jobType=echo');
    expect(res.status).toBe(415);
    expect(body<ErrorBody>(res).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(await jobsOf('create-8')).toBe(0);
  });

  describe('Idempotency-Key', () => {
    it('replays the same job for the same key and body, whatever the key order', async () => {
      const key = { 'Idempotency-Key': 'order-1001' };
      const first = await post(
        'idem-1',
        { jobType: 'echo', payload: { message: 'a', delayMs: 0 } },
        key,
      );
      const again = await post(
        'idem-1',
        { payload: { delayMs: 0, message: 'a' }, jobType: 'echo' },
        key,
      );
      expect(first.status).toBe(202);
      expect(again.status).toBe(202);
      expect(body<Accepted>(again).data).toEqual(body<Accepted>(first).data);
      expect(await jobsOf('idem-1')).toBe(1);
      expect(await fx.count('queue_messages', 'job_id = $1', [body<Accepted>(first).data.id])).toBe(
        1,
      );
    });

    it('refuses the same key with another body: 422 IDEMPOTENCY_KEY_REUSED, nothing written', async () => {
      const key = { 'Idempotency-Key': 'order-1002' };
      await post('idem-2', { jobType: 'echo', payload: { message: 'a' } }, key);
      const res = await post('idem-2', { jobType: 'echo', payload: { message: 'b' } }, key);
      expect(res.status).toBe(422);
      expect(body<ErrorBody>(res).error).toMatchObject({
        code: 'IDEMPOTENCY_KEY_REUSED',
        details: [{ field: 'Idempotency-Key' }],
      });
      expect(await jobsOf('idem-2')).toBe(1);
    });

    it('scopes keys per user: two users may use the same key', async () => {
      const key = { 'Idempotency-Key': 'shared-key' };
      const a = await post('idem-3a', { jobType: 'echo', payload: {} }, key);
      const b = await post('idem-3b', { jobType: 'echo', payload: {} }, key);
      expect([a.status, b.status]).toEqual([202, 202]);
      expect(body<Accepted>(a).data.id).not.toBe(body<Accepted>(b).data.id);
    });

    it('creates exactly one job when the same request races with itself', async () => {
      const key = { 'Idempotency-Key': 'race-1' };
      const results = await Promise.all(
        Array.from({ length: 6 }, () =>
          post('idem-4', { jobType: 'echo', payload: { message: 'r' } }, key),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(Array(6).fill(202));
      expect(new Set(results.map((r) => body<Accepted>(r).data.id)).size).toBe(1);
      expect(await jobsOf('idem-4')).toBe(1);
    });

    it('refuses a malformed key with 400 naming the header', async () => {
      const res = await post(
        'idem-5',
        { jobType: 'echo', payload: {} },
        { 'Idempotency-Key': 'k'.repeat(256) },
      );
      expect(res.status).toBe(400);
      expect(body<ErrorBody>(res).error.details).toEqual([
        { field: 'Idempotency-Key', message: expect.any(String) as string },
      ]);
      expect(await jobsOf('idem-5')).toBe(0);
    });
  });

  describe('batch', () => {
    it('creates every job in one go, in request order, each with its queue message', async () => {
      const res = await batch('batch-1', [
        { jobType: 'echo', payload: { message: '1' } },
        { jobType: 'echo', payload: { message: '2' } },
        { jobType: 'echo', payload: { message: '3' }, maxRetries: 0 },
      ]);
      expect(res.status).toBe(202);
      const { data } = body<Wire<JobBatchAcceptedResponseDto>>(res);
      expect(data).toHaveLength(3);
      const rows = await fx.db.dataSource.query<
        { id: string; message: string; max_retries: number }[]
      >(`SELECT id, payload->>'message' AS message, max_retries FROM jobs WHERE id = ANY($1)`, [
        data.map((d) => d.id),
      ]);
      const byId = new Map(rows.map((r) => [r.id, r]));
      expect(data.map((d) => byId.get(d.id)?.message)).toEqual(['1', '2', '3']);
      expect(byId.get(data[2].id)?.max_retries).toBe(0);
      expect(await fx.count('queue_messages', 'job_id = ANY($1)', [data.map((d) => d.id)])).toBe(3);
    });

    it('accepts 500 jobs and refuses 501, naming the jobs field', async () => {
      const jobs = (n: number) =>
        Array.from({ length: n }, (_, i) => ({ jobType: 'echo', payload: { message: `${i}` } }));
      const ok = await batch('batch-2', jobs(500));
      expect(ok.status).toBe(202);
      expect(body<Wire<JobBatchAcceptedResponseDto>>(ok).data).toHaveLength(500);
      const tooMany = await batch('batch-2b', jobs(501));
      expect(tooMany.status).toBe(400);
      expect(body<ErrorBody>(tooMany).error.details.map((d) => d.field)).toEqual(['jobs']);
      expect(await jobsOf('batch-2b')).toBe(0);
    });

    it('refuses an empty batch', async () => {
      const res = await batch('batch-3', []);
      expect(res.status).toBe(400);
      expect(body<ErrorBody>(res).error.details[0].field).toBe('jobs');
    });

    it('writes nothing when one job is bad, and names every bad field by its index', async () => {
      const res = await batch('batch-4', [
        { jobType: 'echo', payload: {} },
        { jobType: 'teleport', payload: {} },
        { jobType: 'echo', payload: { delayMs: -5 } },
        { jobType: 'echo', payload: {}, extra: true },
      ]);
      expect(res.status).toBe(400);
      const { error } = body<ErrorBody>(res);
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.details.map((d) => d.field)).toEqual(['jobs.3.extra']);
      const second = await batch('batch-4', [
        { jobType: 'echo', payload: {} },
        { jobType: 'teleport', payload: {} },
        { jobType: 'echo', payload: { delayMs: -5 } },
      ]);
      expect(second.status).toBe(400);
      expect(body<ErrorBody>(second).error.details.map((d) => d.field)).toEqual([
        'jobs.1.jobType',
        'jobs.2.payload.delayMs',
      ]);
      expect(await jobsOf('batch-4')).toBe(0);
    });
  });

  it('reports the jobs waiting in SQS as queueDepth (no worker runs in this file)', async () => {
    const stats = () =>
      fx
        .http()
        .get('/api/v1/jobs/stats/overview')
        .set(bearer(fx.token('ops', ['admin'])))
        .then((res) => body<Wire<StatsOverviewResponseDto>>(res).data);
    await eventually(
      async () => ({
        sent: await fx.count('queue_messages', 'sent_at IS NOT NULL'),
        all: await fx.count('queue_messages'),
      }),
      (n) => n.sent === n.all,
    );
    // queueDepth counts messages: the rows the relay packed into one message share its id
    const [{ sent }] = await fx.db.dataSource.query<{ sent: number }[]>(
      `SELECT count(DISTINCT message_id)::int AS sent FROM queue_messages`,
    );
    const data = await eventually(stats, (d) => d.queueDepth === sent);
    expect(data).toMatchObject({ queueDepth: sent, deadLetterDepth: 0 });
    expect(data.byStatus.pending).toBe(await fx.count('jobs'));
  });
});
