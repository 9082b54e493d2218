import { JOB_CATALOGUE } from '@app/handlers';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Metrics, OTHER_JOB_TYPE } from './metrics';
import { MetricsEndpoint } from './metrics-endpoint';

const catalogue = JOB_CATALOGUE;

describe('Metrics', () => {
  beforeAll(() => {
    Logger.overrideLogger(false); // the failing collector's warning
  });
  it('labels a catalogue type by its name and any other type as "other"', () => {
    const metrics = new Metrics(catalogue);
    expect(metrics.jobType('echo')).toEqual({ job_type: 'echo' });
    expect(metrics.jobType('3f2b8c1e-9a4d-4e8f')).toEqual({ job_type: OTHER_JOB_TYPE });
  });

  it('starts every catalogue type at zero, so a first event shows in rate()', async () => {
    const text = await new Metrics(catalogue).render();
    expect(text).toContain('jobqueue_jobs_completed_total{job_type="export"} 0');
    expect(text).toContain('jobqueue_job_run_duration_seconds_count{job_type="echo"} 0');
    expect(text).toContain('jobqueue_worker_jobs_in_flight{job_type="echo"} 0');
  });

  it('keeps two instances apart (the api and a worker in one process)', async () => {
    const [a, b] = [new Metrics(catalogue), new Metrics(catalogue)];
    a.jobs.created.inc({ job_type: 'echo' }, 3);
    expect(await a.render()).toContain('jobqueue_jobs_created_total{job_type="echo"} 3');
    expect(await b.render()).toContain('jobqueue_jobs_created_total{job_type="echo"} 0');
  });

  it('runs its collectors before each scrape and still answers when one fails', async () => {
    const metrics = new Metrics(catalogue);
    let scrapes = 0;
    metrics.onScrape(() => Promise.resolve(metrics.outbox.backlog.set(++scrapes)));
    metrics.onScrape(() => Promise.reject(new Error('database away')));
    await metrics.render();
    expect(await metrics.render()).toContain('jobqueue_outbox_backlog_rows 2');
  });
});

describe('MetricsEndpoint', () => {
  const endpoint = (token?: string) =>
    new MetricsEndpoint(
      new Metrics(catalogue),
      new ConfigService({ metrics: { enabled: true, token } }) as never,
    );

  it('lets anyone read when no token is configured', () => {
    expect(endpoint().authorized(undefined)).toBe(true);
  });

  it('takes exactly `Bearer <token>` when one is', () => {
    const e = endpoint('k3Jd9sQ2xLw8ZpVt');
    expect(e.authorized('Bearer k3Jd9sQ2xLw8ZpVt')).toBe(true);
    for (const header of [undefined, 'k3Jd9sQ2xLw8ZpVt', 'Bearer k3Jd9sQ2xLw8ZpV', 'Basic k3Jd'])
      expect(e.authorized(header)).toBe(false);
  });
});
