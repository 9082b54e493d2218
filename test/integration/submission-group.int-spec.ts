import { isDataError, sqlState } from '@app/database';
import { JobSubmissionService } from '@app/jobs';
import { createPipelineFixture, type PipelineFixture } from '../support/pipeline-fixture';

const fp = (c: string) => c.repeat(64);
const echo = (message: string) => ({ jobType: 'echo', payload: { message } });

describe('job submission: idempotency keys and shared statements (group commit)', () => {
  let fx: PipelineFixture;
  let submission: JobSubmissionService;
  beforeAll(async () => {
    fx = await createPipelineFixture();
    submission = fx.api.get(JobSubmissionService);
  });
  afterAll(() => fx.close());

  const countsOf = async (user: string) =>
    (
      await fx.db.dataSource.query<{ jobs: number; messages: number }[]>(
        `SELECT count(DISTINCT j.id)::int AS jobs, count(q.id)::int AS messages
         FROM jobs j LEFT JOIN queue_messages q ON q.job_id = j.id WHERE j.user_id = $1`,
        [user],
      )
    )[0];

  it('returns the job a key already made, created: false, and writes nothing more', async () => {
    const [first] = await submission.submit('alice', [
      { ...echo('a'), idempotencyKey: 'k-1', fingerprint: fp('a') },
    ]);
    expect(first.created).toBe(true);
    expect(first.job).toMatchObject({ idempotencyKey: 'k-1', idempotencyFingerprint: fp('a') });
    const [again] = await submission.submit('alice', [
      { ...echo('b'), idempotencyKey: 'k-1', fingerprint: fp('b') },
    ]);
    expect(again).toEqual({ job: first.job, created: false });
    expect(await countsOf('alice')).toEqual({ jobs: 1, messages: 1 });
    const [other] = await submission.submit('bob', [{ ...echo('a'), idempotencyKey: 'k-1' }]);
    expect(other.created).toBe(true);
    expect(other.job.id).not.toBe(first.job.id);
  });

  it('answers a key repeated within one call as sequential calls would: the first one creates', async () => {
    const results = await submission.submit('carol', [
      { ...echo('1'), idempotencyKey: 'x', fingerprint: fp('1') },
      { ...echo('2'), idempotencyKey: 'x', fingerprint: fp('2') },
      echo('3'),
    ]);
    expect(results.map((r) => r.created)).toEqual([true, false, true]);
    expect(results[1].job).toEqual(results[0].job);
    expect(results[0].job).toMatchObject({
      payload: { message: '1' },
      idempotencyFingerprint: fp('1'),
    });
    expect(await countsOf('carol')).toEqual({ jobs: 2, messages: 2 });
  });

  it('creates one job for concurrent first uses of a key, and gives it to all of them', async () => {
    const results = await Promise.all(
      ['1', '2', '3', '4', '5', '6'].map((c) =>
        submission.submit('dave', [{ ...echo(c), idempotencyKey: 'race', fingerprint: fp(c) }]),
      ),
    );
    const flat = results.flat();
    expect(flat.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(flat.map((r) => r.job.id)).size).toBe(1);
    const winner = flat.find((r) => r.created)!;
    expect(
      flat.every((r) => r.job.idempotencyFingerprint === winner.job.idempotencyFingerprint),
    ).toBe(true);
    expect(await countsOf('dave')).toEqual({ jobs: 1, messages: 1 });
  });

  it('returns the job of a key that another transaction committed while the statement waited', async () => {
    const holder = fx.db.dataSource.createQueryRunner();
    await holder.connect();
    try {
      await holder.startTransaction();
      const [held] = (await holder.query(
        `INSERT INTO jobs (user_id, job_type, payload, max_retries, idempotency_key, idempotency_fingerprint)
         VALUES ('erin', 'echo', '{}', 3, 'held', $1) RETURNING id`,
        [fp('h')],
      )) as { id: string }[];
      // the submission's INSERT waits on the uncommitted key; its snapshot predates the commit
      const pending = submission.submit('erin', [
        { ...echo('late'), idempotencyKey: 'held', fingerprint: fp('l') },
      ]);
      await new Promise((r) => setTimeout(r, 300));
      await holder.commitTransaction();
      const [result] = await pending;
      expect(result.created).toBe(false);
      expect(result.job).toMatchObject({ id: held.id, idempotencyFingerprint: fp('h') });
    } finally {
      await holder.release();
    }
    expect(await countsOf('erin')).toEqual({ jobs: 1, messages: 0 });
  });

  it('fails only the submission whose value the database refuses; the others sharing its statement are written', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        submission
          // 2^31 does not fit the integer column: SQLSTATE 22003, a data error
          .submitValidated('frank', [{ ...echo(`${i}`), maxRetries: i === 7 ? 2 ** 31 : 1 }])
          .catch((e: unknown) => e),
      ),
    );
    const refused = outcomes[7];
    expect(isDataError(refused)).toBe(true);
    expect(sqlState(refused)).toBe('22003');
    const written = outcomes.filter((_, i) => i !== 7) as { job: { payload: unknown } }[][];
    expect(written.map(([s]) => s.job.payload)).toEqual(
      [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11].map((i) => ({ message: `${i}` })),
    );
    expect(await countsOf('frank')).toEqual({ jobs: 11, messages: 11 });
  });
});
