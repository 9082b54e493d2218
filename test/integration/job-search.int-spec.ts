import { type ApiFixture, bearer, body, createApiFixture } from '../e2e/support/api-fixture';
import { listJobsSql } from '@app/jobs';

interface ListBody {
  data: { id: string; userId: string; completedAt: string | null }[];
  pagination: { page?: number; total?: number; limit: number; cursor: string | null };
}
interface ErrorBody {
  error: { code: string; details: { field: string }[] };
}

describe('GET /api/v1/jobs finds any job: filters, sort orders and cursor pages', () => {
  let fx: ApiFixture;
  const list = (query: Record<string, string>, token = fx.token('ops', 'admin')) =>
    fx.http().get('/api/v1/jobs').query(query).set(bearer(token));

  beforeAll(async () => {
    fx = await createApiFixture();
    // 3000 jobs of 3 users, a third finished, created one second apart
    await fx.db.dataSource.query(
      `INSERT INTO jobs (user_id, job_type, payload, status, created_at, completed_at)
       SELECT 'u' || (g % 3), 'echo', jsonb_build_object('message', 'm' || (g % 100), 'n', g),
              CASE WHEN g % 3 = 0 THEN 'completed' ELSE 'pending' END,
              '2026-01-01T00:00:00Z'::timestamptz + g * interval '1 second',
              CASE WHEN g % 3 = 0 THEN '2026-02-01T00:00:00Z'::timestamptz - g * interval '1 second' END
       FROM generate_series(1, 3000) g`,
    );
    // a user with few jobs among many: the user's own indexes beat filtering the global ones
    await fx.db.dataSource.query(
      `INSERT INTO jobs (user_id, job_type, payload, status, completed_at)
       SELECT 'rare', 'echo', '{}', 'completed', now() FROM generate_series(1, 5)`,
    );
    await fx.db.dataSource.query('ANALYZE jobs');
  });
  afterAll(() => fx.close());

  it('walks every matching job once by cursor, in order, and stops with a null cursor', async () => {
    const seen: string[] = [];
    let after: string | null = '';
    const query = { userId: 'u1', payload: JSON.stringify({ message: 'm7' }), limit: '3' };
    do {
      const res = await list({ ...query, after }).expect(200);
      const page: ListBody = body<ListBody>(res);
      expect(page.data.every((j) => j.userId === 'u1')).toBe(true);
      expect(page.pagination).not.toHaveProperty('total');
      seen.push(...page.data.map((j) => j.id));
      after = page.pagination.cursor;
    } while (after);
    const [{ n }] = await fx.db.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM jobs WHERE user_id = 'u1' AND payload->>'message' = 'm7'`,
    );
    expect(seen.length).toBe(n);
    expect(new Set(seen).size).toBe(n);
  });

  it('sorts by finish time (finished jobs only) and filters both time ranges', async () => {
    const res = await list({
      userId: 'u0',
      sort: 'finishedAt',
      createdFrom: '2026-01-01T00:10:00Z',
      finishedTo: '2026-01-31T23:30:00Z',
      limit: '100',
    });
    expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status: 200 });
    const page = body<ListBody>(res);
    const finished = page.data.map((j) => j.completedAt!);
    expect(finished.length).toBeGreaterThan(0);
    expect(finished).toEqual([...finished].sort());
    expect(finished.every((t) => t < '2026-01-31T23:30:00.000Z')).toBe(true);
    expect(page.pagination.total).toBe(400); // g%3=0 of u0 and finished before 23:30: g > 1800
  });

  it('keeps a plain user to their own jobs whatever userId says', async () => {
    const own = body<ListBody>(await list({ userId: 'u2' }, fx.token('u2')).expect(200));
    expect(own.pagination.total).toBe(1000);
    const other = body<ListBody>(await list({ userId: 'u1' }, fx.token('u2')).expect(200));
    expect(other.data).toEqual([]);
    const all = body<ListBody>(await list({}, fx.token('u2')).expect(200));
    expect(all.pagination.total).toBe(1000);
  });

  it.each([
    [{ page: '2', after: 'x' }, ['page', 'after']],
    [{ after: 'not-a-cursor' }, ['after']],
    [{ createdFrom: 'yesterday' }, ['createdFrom']],
    [{ createdFrom: '2026-01-02T00:00:00Z', createdTo: '2026-01-01T00:00:00Z' }, ['createdTo']],
    [{ payload: '[1]' }, ['payload']],
    [{ payload: '{"a":{"b":{"c":{"d":{}}}}}' }, ['payload.a.b.c.d']],
    [{ payload: JSON.stringify({ a: 'x'.repeat(3000) }) }, ['payload']],
    [{ sort: 'status' }, ['sort']],
    [{ parentId: '42' }, ['parentId']],
  ])('%p: 400 naming %p', async (query, fields) => {
    const res = await list(query).expect(400);
    expect([...new Set(body<ErrorBody>(res).error.details.map((d) => d.field))]).toEqual(fields);
  });

  it('refuses a cursor made for another sort', async () => {
    const first = body<ListBody>(await list({ limit: '1', after: '' }).expect(200));
    const res = await list({ sort: 'finishedAt', after: first.pagination.cursor! }).expect(400);
    expect(body<ErrorBody>(res).error.details).toEqual([
      { field: 'after', message: 'after is a cursor for sort=-createdAt, not sort=finishedAt' },
    ]);
  });

  it.each([
    ['a user, newest first, after a cursor', { userId: 'rare' }, 'idx_jobs_user_created'],
    ['everyone, by finish time', { sort: '-finishedAt' as const }, 'idx_jobs_finished'],
    [
      'a user, by finish time',
      { userId: 'rare', sort: 'finishedAt' as const },
      'idx_jobs_user_finished',
    ],
    ['payload containment', { payload: { n: 1234 } }, 'idx_jobs_payload'],
  ])('%s is served by %s, without a sort or a sequential scan', async (_what, filter, index) => {
    const after = {
      sort: ('sort' in filter ? filter.sort : undefined) ?? ('-createdAt' as const),
      key: '2026-01-01T00:30:00.000000Z',
      id: '00000000-0000-0000-0000-000000000000',
    };
    const { rows } = listJobsSql('id', {
      ...filter,
      limit: 20,
      ...('payload' in filter
        ? { page: 1 }
        : { after: { ...after, key: '2026-01-01T00:40:00.000000Z' } }),
    });
    const [{ 'QUERY PLAN': plan }] = await fx.db.dataSource.query<{ 'QUERY PLAN': unknown }[]>(
      `EXPLAIN (FORMAT JSON) ${rows.sql}`,
      rows.params,
    );
    const text = JSON.stringify(plan);
    expect(text).toContain(index);
    expect(text).not.toMatch(/"Node Type":"Seq Scan"/);
    // a rare user's few rows are sorted in memory after the index, the planner's sound choice
    if (!('payload' in filter) && !('userId' in filter))
      expect(text).not.toMatch(/"Node Type":"(Sort|Incremental Sort)"/);
  });
});
