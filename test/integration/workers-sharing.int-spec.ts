import { createPipelineFixture, type PipelineFixture } from '../support/pipeline-fixture';
import { record } from '../support/test-handlers';
import { waitUntil } from '../support/wait-until';

const types = [record];

const statusCounts = async (fx: PipelineFixture) =>
  Object.fromEntries(
    (
      await fx.db.dataSource.query<{ status: string; n: number }[]>(
        `SELECT status, count(*)::int AS n FROM jobs GROUP BY status`,
      )
    ).map((r) => [r.status, r.n]),
  ) as Record<string, number>;

describe('several workers on one queue', () => {
  let fx: PipelineFixture;
  beforeAll(async () => {
    fx = await createPipelineFixture({ types });
  });
  afterAll(() => fx.close());

  it('share 1,000 jobs between two workers and run none of them twice', async () => {
    await fx.startWorker();
    await fx.startWorker();
    const requests = Array.from({ length: 1000 }, () => ({ jobType: 'record', payload: {} }));
    for (let i = 0; i < requests.length; i += 250)
      await fx.submit('load', requests.slice(i, i + 250));
    await waitUntil(
      async () => (await statusCounts(fx)).completed === 1000,
      90_000,
      '1,000 completions',
    );
    const [runs] = await fx.db.dataSource.query<{ runs: number; jobs: number; workers: number }[]>(
      `SELECT count(*)::int AS runs, count(DISTINCT job_id)::int AS jobs, count(DISTINCT worker)::int AS workers FROM handler_runs`,
    );
    expect(runs).toEqual({ runs: 1000, jobs: 1000, workers: 2 }); // both took a share, none ran twice
  }, 120_000);
});
