import pino from 'pino';
import { jobLogFields, outsideJobLogContext, withJobLogContext } from './job-log-context';

/** A pino logger with the job mixin, writing into an array of parsed lines. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = {
    write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>),
  };
  return { lines, logger: pino({ mixin: jobLogFields }, stream) };
}

const JOB = { jobId: '5b0b7c1e-0000-4000-8000-000000000001', attempt: 2, jobType: 'echo' };

describe('job log context', () => {
  it('labels every line logged while the job runs, across awaits and timers', async () => {
    const { lines, logger } = capture();
    await withJobLogContext(JOB, async () => {
      logger.info('claimed');
      await new Promise((r) => setTimeout(r, 1));
      logger.warn('failed');
    });
    expect(lines).toEqual([
      expect.objectContaining({ ...JOB, msg: 'claimed' }),
      expect.objectContaining({ ...JOB, msg: 'failed' }),
    ]);
  });

  it('labels nothing outside a job, and nothing a batch started by one job logs', () => {
    const { lines, logger } = capture();
    logger.info('idle');
    withJobLogContext(JOB, () => outsideJobLogContext(() => logger.info('batch of ten')));
    expect(lines.map((l) => l.jobId)).toEqual([undefined, undefined]);
  });

  it('keeps two jobs running at once apart', async () => {
    const { lines, logger } = capture();
    const other = { ...JOB, jobId: '5b0b7c1e-0000-4000-8000-000000000002', attempt: 1 };
    const run = (job: typeof JOB, ms: number) =>
      withJobLogContext(job, async () => {
        await new Promise((r) => setTimeout(r, ms));
        logger.info(`done ${job.jobId}`);
      });
    await Promise.all([run(JOB, 5), run(other, 1)]);
    expect(lines.map((l) => [l.msg, l.jobId, l.attempt])).toEqual([
      [`done ${other.jobId}`, other.jobId, 1],
      [`done ${JOB.jobId}`, JOB.jobId, 2],
    ]);
  });
});
