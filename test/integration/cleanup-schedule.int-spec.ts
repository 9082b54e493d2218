import { AppConfigModule, ConfigError } from '@app/config';
import { dataSourceOptions, JobStatus } from '@app/database';
import { JobCatalogue } from '@app/handlers';
import { JobCatalogueModule } from '@app/jobs';
import { ScheduleTicker, ScheduleTickerModule } from '@app/schedules';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { createPipelineFixture, type PipelineFixture } from '../support/pipeline-fixture';
import { testConfig } from '../support/test-config';
import { waitUntil } from '../support/wait-until';

interface SystemRow {
  user_id: string;
  cron: string;
  time_zone: string;
  job_type: string;
  payload: unknown;
  paused: boolean;
  next_run_at: Date;
}

describe('the clean-up schedule: a system-owned row of schedules, seeded from CLEANUP_CRON', () => {
  let fx: PipelineFixture;
  beforeAll(async () => (fx = await createPipelineFixture()));
  afterAll(() => fx.close());

  const systemRows = () =>
    fx.db.dataSource.query<SystemRow[]>(
      `SELECT user_id, cron, time_zone, job_type, payload, paused, next_run_at
       FROM schedules WHERE user_id = 'system' AND name = 'cleanup'`,
    );

  it('creates nothing when CLEANUP_CRON is off', async () => {
    await fx.startWorker({ cleanup: { cron: null } });
    expect(await systemRows()).toEqual([]);
  });

  it('is seeded once, in UTC, by workers starting together; a later CLEANUP_CRON does not overwrite it', async () => {
    await Promise.all([
      fx.startWorker({ cleanup: { cron: '17 3 * * *' } }),
      fx.startWorker({ cleanup: { cron: '17 3 * * *' } }),
    ]);
    const rows = await systemRows();
    expect(rows).toEqual([
      {
        user_id: 'system',
        cron: '17 3 * * *',
        time_zone: 'UTC',
        job_type: 'cleanup-jobs',
        payload: { allUsers: true },
        paused: false,
        next_run_at: expect.any(Date) as Date,
      },
    ]);
    const next = rows[0].next_run_at;
    expect([next.getUTCHours(), next.getUTCMinutes(), next.getUTCSeconds()]).toEqual([3, 17, 0]);
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);

    await fx.startWorker({ cleanup: { cron: '0 4 * * *' } });
    expect((await systemRows()).map((r) => r.cron)).toEqual(['17 3 * * *']);
  });

  it('runs a cleanup-jobs job of every user as the user system when its tick is due', async () => {
    await fx.db.dataSource.query(
      `UPDATE schedules SET next_run_at = now(), due_at = now() WHERE user_id = 'system' AND name = 'cleanup'`,
    );
    let jobs: { id: string; user_id: string; payload: unknown; status: JobStatus }[] = [];
    await waitUntil(
      async () => {
        jobs = await fx.db.dataSource.query(
          `SELECT id, user_id, payload, status FROM jobs WHERE job_type = 'cleanup-jobs'`,
        );
        return jobs.length > 0 && jobs[0].status === JobStatus.Completed;
      },
      10_000,
      'the scheduled cleanup-jobs job to complete',
    );
    expect(jobs).toEqual([
      { id: jobs[0].id, user_id: 'system', payload: { allUsers: true }, status: 'completed' },
    ]);
    const [row] = await systemRows();
    expect(row.next_run_at.getTime()).toBeGreaterThan(Date.now());
  });

  it('refuses to start a worker with CLEANUP_CRON but no cleanup-jobs handler', async () => {
    const config = testConfig(fx.db.url, {
      queue: fx.config.queue,
      cleanup: { cron: '17 3 * * *' },
    });
    const module = await Test.createTestingModule({
      imports: [
        AppConfigModule.forRoot(config),
        JobCatalogueModule.forRoot(new JobCatalogue([])),
        TypeOrmModule.forRoot({ ...dataSourceOptions(config.database), logging: false }),
        ScheduleTickerModule,
      ],
    }).compile();
    // the hook init() runs (a failed init() leaves a module that cannot close)
    const error = await module
      .get(ScheduleTicker)
      .onApplicationBootstrap()
      .catch((e: unknown) => e);
    await module.close();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]).toMatch(/^CLEANUP_CRON schedules cleanup-jobs/);
  });
});
