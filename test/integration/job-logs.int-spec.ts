import { JobStatus } from '@app/database';
import { Logger } from 'nestjs-pino';
import { logsDuring } from '../security/support/captured-logs';
import { jsonLines } from '../security/support/log-lines';
import { createPipelineFixture, type PipelineFixture } from '../support/pipeline-fixture';
import { record } from '../support/test-handlers';

describe('worker log lines carry the job they concern', () => {
  let fx: PipelineFixture;

  beforeAll(async () => {
    fx = await createPipelineFixture({ types: [record], overrides: { log: { level: 'info' } } });
    const worker = await fx.startWorker();
    // the fixture starts workers with Nest's logger off; this one logs through pino as in production
    worker.useLogger(worker.get(Logger));
  });
  afterAll(() => fx.close());

  it('labels each failing job’s lines with its own id, attempt and type, and never its payload', async () => {
    const failing = { jobType: 'record', payload: { failAttempts: 1, permanent: true, lane: 'b' } };
    let ids: string[] = [];
    const logs = await logsDuring(async () => {
      ids = (await fx.submit('alice', [failing, failing])).map((j) => j.id);
      await Promise.all(ids.map((id) => fx.waitFor(id, (j) => j.status === JobStatus.Failed)));
    });
    const lines = jsonLines(logs);
    for (const id of ids) {
      const about = lines.filter((l) => String(l.msg).includes(id));
      expect(about).toContainEqual(expect.objectContaining({ context: 'Alerts', level: 50 }));
      for (const line of about)
        expect(line).toEqual(expect.objectContaining({ jobId: id, attempt: 1, jobType: 'record' }));
    }
    expect(logs).not.toContain('failAttempts');
  });
});
