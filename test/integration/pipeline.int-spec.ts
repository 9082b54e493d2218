import { JobStatus } from '@app/database';
import { createPipelineFixture, type PipelineFixture } from '../support/pipeline-fixture';

describe('pipeline: create → SQS → worker → completed', () => {
  let fx: PipelineFixture;

  beforeAll(async () => {
    fx = await createPipelineFixture();
    await fx.startWorker();
  });
  afterAll(() => fx.close());

  it('runs a job to completion with its results, progress 100 and metrics', async () => {
    const [job] = await fx.submit('alice', [{ jobType: 'echo', payload: { message: 'hi' } }]);
    expect(job.status).toBe(JobStatus.Pending);
    const done = await fx.waitFor(job.id, (j) => j.status === JobStatus.Completed);
    expect(done).toMatchObject({
      results: { echoed: 'hi', attempt: 1 },
      progress: 100,
      attempt: 1,
      retryCount: 0,
    });
    expect(done.startedAt!.getTime()).toBeLessThanOrEqual(done.completedAt!.getTime());
    const metrics = await fx.db.dataSource.query<{ metric_type: string }[]>(
      `SELECT metric_type FROM job_metrics WHERE job_id = $1 ORDER BY metric_type`,
      [job.id],
    );
    expect(metrics.map((m) => m.metric_type)).toEqual(['processing_time_ms', 'queue_wait_ms']);
  });
});
