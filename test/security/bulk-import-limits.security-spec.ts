import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ConfigError, loadConfig } from '@app/config';
import { bulkImport, JOB_CATALOGUE, StorageScope } from '@app/handlers';
import { SqlJobSink } from '@app/jobs/sql';
import { createHandlerHarness, type HandlerHarness } from '../support/handler-harness';

const NOT_ALLOWED =
  'job type not allowed in a bulk import (allowed: echo, export, thumbnail-generation)';

describe('security: one bulk import creates a bounded number of jobs, of the allowed types only', () => {
  let h: HandlerHarness;

  beforeAll(async () => {
    h = await createHandlerHarness({
      // the service's defaults (BULK_IMPORT_CHILD_TYPES), a small cap to reach
      settings: {
        importChildTypes: ['echo', 'thumbnail-generation', 'export'],
        importMaxChildren: 3,
      },
      jobs: (harness) =>
        new SqlJobSink(harness.services.sql, {
          catalogue: JOB_CATALOGUE.withStorage(new StorageScope(harness.services.settings.storage)),
          queues: [
            'http://127.0.0.1:1/000000000000/unused',
            'http://127.0.0.1:1/000000000000/unused',
          ],
          maxRetries: 1,
        }),
    });
  });
  afterAll(() => h.close());

  const manifest = async (key: string, lines: readonly object[]) => {
    await h.s3.send(
      new PutObjectCommand({
        Bucket: h.bucket,
        Key: key,
        Body: lines.map((l) => JSON.stringify(l)).join('\n'),
      }),
    );
    return `s3://${h.bucket}/${key}`;
  };

  async function importAs(user: string, source: string) {
    const [row] = await h.services.sql.query<{ id: string }>(
      `INSERT INTO jobs (user_id, job_type, payload, status, attempt, started_at)
       VALUES ($1, 'bulk-import', $2, 'processing', 1, now()) RETURNING id`,
      [user, JSON.stringify({ source })],
    );
    const { ctx } = h.context({ jobId: row.id, userId: user, jobType: 'bulk-import' });
    return { id: row.id, result: await bulkImport.run({ source }, ctx) };
  }

  const jobsOf = async (user: string) =>
    (
      await h.services.sql.query<{ job_type: string; n: number }>(
        `SELECT job_type, count(*)::int AS n FROM jobs WHERE user_id = $1 GROUP BY job_type
         ORDER BY job_type`,
        [user],
      )
    ).map((r) => [r.job_type, r.n]);

  it('a manifest that lists itself creates no import: each such line is refused, saying why', async () => {
    const key = 'users/alice/self.jsonl';
    const self = `s3://${h.bucket}/${key}`;
    await manifest(key, [
      { jobType: 'bulk-import', payload: { source: self } },
      { jobType: 'bulk-import', payload: { source: self } },
      { jobType: 'bulk-import', payload: { source: self } },
    ]);
    const { result } = await importAs('alice', self);
    expect(result).toMatchObject({ created: 0, rejected: 3, truncated: false });
    expect(result.rejectedLines).toEqual([1, 2, 3].map((line) => ({ line, reason: NOT_ALLOWED })));
    expect(await jobsOf('alice')).toEqual([['bulk-import', 1]]);
  });

  it('creates no clean-up job, whatever it asks for', async () => {
    const source = await manifest('users/carol/cleanup.jsonl', [
      { jobType: 'cleanup-jobs', payload: { allUsers: true, olderThanDays: 0 } },
    ]);
    const { result } = await importAs('carol', source);
    expect(result.rejectedLines).toEqual([{ line: 1, reason: NOT_ALLOWED }]);
    expect(await jobsOf('carol')).toEqual([['bulk-import', 1]]);
  });

  it('stops at BULK_IMPORT_MAX_CHILDREN, refusing the line over it and reading no further', async () => {
    const source = await manifest(
      'users/dave/many.jsonl',
      Array.from({ length: 6 }, (_, i) => ({ jobType: 'echo', payload: { message: `m${i}` } })),
    );
    const { result } = await importAs('dave', source);
    expect(result).toEqual({
      created: 3,
      skippedExisting: 0,
      rejected: 1,
      rejectedLines: [
        {
          line: 4,
          reason: 'over the limit of 3 children per import: this and later lines were not imported',
        },
      ],
      lines: 4,
      truncated: true,
    });
    expect(await jobsOf('dave')).toEqual([
      ['bulk-import', 1],
      ['echo', 3],
    ]);
  });

  it('refuses to start with bulk-import or cleanup-jobs among BULK_IMPORT_CHILD_TYPES', () => {
    expect(() => loadConfig({ BULK_IMPORT_CHILD_TYPES: 'echo,bulk-import' }, ['imports'])).toThrow(
      ConfigError,
    );
  });
});
