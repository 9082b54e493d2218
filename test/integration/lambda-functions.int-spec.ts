import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { bundleFunction } from '../../apps/functions/bundle';
import { FUNCTIONS } from '../../apps/functions/functions';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { functionEnv } from '../support/lambda-fixture';

/** The zip-ready artefact of `npm run build:functions`, built and run as Lambda would load it. */
describe('a bundled function (apps/functions, esbuild)', () => {
  let db: TestDatabase;
  let bundle: string;
  const saved = { ...process.env };
  const outDir = path.resolve(__dirname, '../../.tmp/functions-test', String(process.pid));

  beforeAll(async () => {
    db = await createTestDatabase();
    const cleanup = FUNCTIONS.find((f) => f.name === 'cleanup-jobs')!;
    bundle = await bundleFunction(cleanup.entry, path.join(outDir, 'cleanup-jobs'));
    // the function's configuration, as Lambda would set it
    Object.assign(process.env, functionEnv(db.url));
  });

  afterAll(async () => {
    process.env = saved;
    rmSync(outDir, { recursive: true, force: true });
    await db?.drop();
  });

  it('is one self-contained file: the libraries inlined, Nest left out', () => {
    const code = readFileSync(bundle, 'utf8');
    // matched text only, not the whole bundle, in a failure message
    expect(code.match(/@nestjs\/(common|core|config)/g)).toBeNull();
    expect(
      code.match(/require\("(@app\/[^"]*|class-validator|pg|@aws-sdk\/client-[^"]*)"\)/g),
    ).toBeNull();
  });

  it('runs the cleanup-jobs handler against the database from its environment', async () => {
    const [{ id: old }] = await db.dataSource.query<{ id: string }[]>(
      `INSERT INTO jobs (user_id, job_type, payload, status, completed_at, created_at)
       VALUES ('alice', 'echo', '{}', 'completed', now() - interval '2 days', now() - interval '2 days')
       RETURNING id`,
    );
    const [{ id }] = await db.dataSource.query<{ id: string }[]>(
      `INSERT INTO jobs (user_id, job_type, payload, status, attempt)
       VALUES ('alice', 'cleanup-jobs', '{}', 'processing', 1) RETURNING id`,
    );
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { handler } = require(bundle) as {
      handler: (event: object, context: object) => Promise<{ deleted: { completed: number } }>;
    };
    const result = await handler(
      {
        jobId: id,
        attempt: 1,
        jobType: 'cleanup-jobs',
        userId: 'alice',
        payload: { olderThanDays: { completed: 1 } },
      },
      { awsRequestId: 'test', writeLine: () => undefined },
    );
    expect(result.deleted.completed).toBe(1);
    const left = await db.dataSource.query<unknown[]>(`SELECT id FROM jobs WHERE id = $1`, [old]);
    expect(left).toEqual([]);
  });
});
