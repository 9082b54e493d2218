import { dataSourceOptions } from '@app/database';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** The specification's schema, column by column, as PostgreSQL reports it. */
const SPEC_COLUMNS: Record<string, Record<string, string>> = {
  jobs: {
    id: 'uuid',
    user_id: 'character varying(255)',
    job_type: 'character varying(50)',
    status: 'character varying(20)',
    payload: 'jsonb',
    results: 'jsonb',
    error_message: 'text',
    retry_count: 'integer',
    max_retries: 'integer',
    created_at: 'timestamp with time zone',
    started_at: 'timestamp with time zone',
    completed_at: 'timestamp with time zone',
    next_retry_at: 'timestamp with time zone',
  },
  queue_messages: {
    id: 'uuid',
    job_id: 'uuid',
    queue_url: 'character varying(500)',
    message_id: 'character varying(255)',
    receipt_handle: 'text',
    attempt: 'integer',
    created_at: 'timestamp with time zone',
    processed_at: 'timestamp with time zone',
    deleted_at: 'timestamp with time zone',
  },
  job_metrics: {
    id: 'uuid',
    job_id: 'uuid',
    metric_type: 'character varying(50)',
    metric_value: 'double precision',
    recorded_at: 'timestamp with time zone',
  },
};

const SPEC_INDEXES: Record<string, string> = {
  idx_jobs_user_id_status:
    'CREATE INDEX idx_jobs_user_id_status ON public.jobs USING btree (user_id, status)',
  idx_jobs_status_created:
    'CREATE INDEX idx_jobs_status_created ON public.jobs USING btree (status, created_at)',
  idx_jobs_next_retry:
    "CREATE INDEX idx_jobs_next_retry ON public.jobs USING btree (next_retry_at) WHERE ((status)::text = 'failed'::text)",
  idx_jobs_type: 'CREATE INDEX idx_jobs_type ON public.jobs USING btree (job_type)',
  idx_queue_messages_processed:
    'CREATE INDEX idx_queue_messages_processed ON public.queue_messages USING btree (processed_at)',
  idx_metrics_type_time:
    'CREATE INDEX idx_metrics_type_time ON public.job_metrics USING btree (metric_type, recorded_at)',
};

const EXTENSIONS = [
  'progress',
  'attempt',
  'heartbeat_at',
  'cancel_requested_at',
  'idempotency_key',
  'parent_id',
  'trace_parent',
  'run_at',
  'expire_at',
  'timeout_seconds',
];

describe('schema and migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const columns = async (table: string) =>
    Object.fromEntries(
      (
        await db.dataSource.query<{ column_name: string; type: string }[]>(
          `SELECT a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type
           FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
          [table],
        )
      ).map((r) => [r.column_name, r.type]),
    );

  it.each(Object.keys(SPEC_COLUMNS))(
    'table %s has every column of the specification with its type',
    async (table) => {
      expect(await columns(table)).toMatchObject(SPEC_COLUMNS[table]);
    },
  );

  it('jobs has the columns later capabilities need', async () => {
    expect(Object.keys(await columns('jobs'))).toEqual(expect.arrayContaining(EXTENSIONS));
    expect(Object.keys(await columns('job_logs'))).toEqual(
      expect.arrayContaining(['job_id', 'level', 'message', 'source', 'created_at']),
    );
  });

  it('has the specification’s indexes exactly, including the partial index on next_retry_at', async () => {
    const rows = await db.dataSource.query<{ indexname: string; indexdef: string }[]>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'`,
    );
    const byName = Object.fromEntries(rows.map((r) => [r.indexname, r.indexdef]));
    expect(byName).toMatchObject(SPEC_INDEXES);
  });

  it('indexes unsent outbox rows by due time and pending jobs by expiry, partially', async () => {
    const rows = await db.dataSource.query<{ indexname: string; indexdef: string }[]>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN ('idx_queue_messages_due', 'idx_jobs_expire_due', 'idx_queue_messages_unsent')`,
    );
    expect(Object.fromEntries(rows.map((r) => [r.indexname, r.indexdef]))).toEqual({
      idx_queue_messages_due:
        'CREATE INDEX idx_queue_messages_due ON public.queue_messages USING btree (COALESCE(not_before, created_at)) WHERE (sent_at IS NULL)',
      idx_jobs_expire_due:
        "CREATE INDEX idx_jobs_expire_due ON public.jobs USING btree (expire_at) WHERE (((status)::text = 'pending'::text) AND (expire_at IS NOT NULL))",
    });
  });

  it('generates ids and defaults in the database', async () => {
    const [row] = await db.dataSource.query<
      { id: string; status: string; retry_count: number; max_retries: number }[]
    >(`INSERT INTO jobs (user_id, job_type, payload) VALUES ('u', 't', '{}') RETURNING *`);
    expect(row).toMatchObject({ status: 'pending', retry_count: 0, max_retries: 3 });
    expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ['an unknown status', `status = 'running'`, 'chk_jobs_status'],
    ['progress over 100', 'progress = 101', 'chk_jobs_progress'],
    ['more retries than allowed', 'retry_count = 4', 'chk_jobs_retries'],
    ['a negative attempt', 'attempt = -1', 'chk_jobs_attempt'],
    ['a timeout of 0 seconds', 'timeout_seconds = 0', 'chk_jobs_timeout_seconds'],
    ['a priority above 9', 'priority = 10', 'chk_jobs_priority'],
  ])('refuses %s through a CHECK constraint', async (_what, set, constraint) => {
    const [{ id }] = await db.dataSource.query<{ id: string }[]>(
      `INSERT INTO jobs (user_id, job_type, payload) VALUES ('u', 't', '{}') RETURNING id`,
    );
    await expect(db.dataSource.query(`UPDATE jobs SET ${set} WHERE id = $1`, [id])).rejects.toThrow(
      constraint,
    );
  });

  it('refuses a log line with an unknown level or source', async () => {
    const [{ id }] = await db.dataSource.query<{ id: string }[]>(
      `INSERT INTO jobs (user_id, job_type, payload) VALUES ('u', 't', '{}') RETURNING id`,
    );
    await expect(
      db.dataSource.query(
        `INSERT INTO job_logs (job_id, level, message, source) VALUES ($1, 'loud', 'm', 'worker')`,
        [id],
      ),
    ).rejects.toThrow('chk_job_logs_level');
  });

  it('deleting a job removes its messages and logs and keeps its metrics', async () => {
    const [{ id }] = await db.dataSource.query<{ id: string }[]>(
      `INSERT INTO jobs (user_id, job_type, payload) VALUES ('u', 't', '{}') RETURNING id`,
    );
    await db.dataSource.query(`INSERT INTO queue_messages (job_id) VALUES ($1)`, [id]);
    await db.dataSource.query(
      `INSERT INTO job_logs (job_id, level, message, source) VALUES ($1, 'info', 'm', 'worker')`,
      [id],
    );
    await db.dataSource.query(
      `INSERT INTO job_metrics (job_id, metric_type, metric_value) VALUES ($1, 'x', 1)`,
      [id],
    );
    await db.dataSource.query(`DELETE FROM jobs WHERE id = $1`, [id]);
    const [counts] = await db.dataSource.query<
      { messages: number; logs: number; metrics: number }[]
    >(
      `SELECT (SELECT count(*)::int FROM queue_messages WHERE job_id = $1) AS messages,
              (SELECT count(*)::int FROM job_logs WHERE job_id = $1) AS logs,
              (SELECT count(*)::int FROM job_metrics WHERE metric_type = 'x' AND job_id IS NULL) AS metrics`,
      [id],
    );
    expect(counts).toEqual({ messages: 0, logs: 0, metrics: 1 });
  });

  it('lambda_executions refuses an unknown status and goes when its job is deleted', async () => {
    const [{ id }] = await db.dataSource.query<{ id: string }[]>(
      `INSERT INTO jobs (user_id, job_type, payload) VALUES ('u', 't', '{}') RETURNING id`,
    );
    const insert = (status: string) =>
      db.dataSource.query(
        `INSERT INTO lambda_executions (job_id, attempt, function_name, invocation_type, status)
         VALUES ($1, 1, 'fn', 'Event', $2)`,
        [id, status],
      );
    await expect(insert('lost')).rejects.toThrow('chk_lambda_executions_status');
    await insert('running');
    await db.dataSource.query(`DELETE FROM jobs WHERE id = $1`, [id]);
    const [{ n }] = await db.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM lambda_executions WHERE job_id = $1`,
      [id],
    );
    expect(n).toBe(0);
  });

  it('entities and migrations describe the same schema (migration:generate would find nothing)', async () => {
    const sql = await db.dataSource.driver.createSchemaBuilder().log();
    expect(sql.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('running the migrations again is a no-op, and reverting every one drops every table', async () => {
    const fresh = await createTestDatabase();
    const ds = new DataSource({
      ...dataSourceOptions({ url: fresh.url, runMigrations: false, poolSize: 2 }),
      logging: false,
    });
    await ds.initialize();
    try {
      expect(await ds.runMigrations()).toEqual([]);
      for (let i = 0; i < ds.migrations.length; i++) await ds.undoLastMigration();
      const tables = await ds.query<{ tablename: string }[]>(
        `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`,
      );
      expect(tables.map((t) => t.tablename)).toEqual(['typeorm_migrations']);
      expect((await ds.runMigrations()).length).toBe(ds.migrations.length);
      expect((await ds.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM jobs`))[0].n).toBe(0);
    } finally {
      await ds.destroy();
      await fresh.drop();
    }
  });
});
