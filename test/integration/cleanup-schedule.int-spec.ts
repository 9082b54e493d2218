import { AppConfigModule, ConfigError } from '@app/config';
import { dataSourceOptions } from '@app/database';
import { JOB_CATALOGUE, JobCatalogue } from '@app/handlers';
import { JobCatalogueModule } from '@app/jobs';
import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CleanupScheduleModule } from '../../apps/worker/src/cleanup-schedule/cleanup-schedule.module';
import { CleanupSchedule } from '../../apps/worker/src/cleanup-schedule/cleanup-schedule.service';
import { createPipelineFixture, type PipelineFixture } from '../support/pipeline-fixture';
import { testConfig } from '../support/test-config';
import { waitUntil } from '../support/wait-until';

describe('cleanup schedule (CLEANUP_CRON): one cleanup-jobs job per tick across workers', () => {
  let fx: PipelineFixture;
  const open: TestingModule[] = [];
  beforeAll(async () => (fx = await createPipelineFixture()));
  afterAll(async () => {
    await Promise.all(open.map((m) => m.close()));
    await fx.close();
  });

  /** One worker's schedule, on the fixture's database and queue. */
  async function scheduler(cron: string | null, catalogue = JOB_CATALOGUE): Promise<TestingModule> {
    const config = testConfig(fx.db.url, { queue: fx.config.queue, cleanup: { cron } });
    const module = await Test.createTestingModule({
      imports: [
        AppConfigModule.forRoot(config),
        JobCatalogueModule.forRoot(catalogue),
        TypeOrmModule.forRoot({ ...dataSourceOptions(config.database), logging: false }),
        CleanupScheduleModule,
      ],
    }).compile();
    try {
      await module.init();
    } catch (error) {
      await module.close();
      throw error;
    }
    open.push(module);
    return module;
  }

  const cleanupJobs = (key?: string) =>
    fx.db.dataSource.query<
      { user_id: string; status: string; idempotency_key: string; messages: number }[]
    >(
      `SELECT j.user_id, j.status, j.idempotency_key,
              (SELECT count(*)::int FROM queue_messages q WHERE q.job_id = j.id) AS messages
       FROM jobs j WHERE j.job_type = 'cleanup-jobs' AND ($1::text IS NULL OR j.idempotency_key = $1)
       ORDER BY j.created_at`,
      [key ?? null],
    );

  it('schedules CLEANUP_CRON in UTC, and stops on shutdown', async () => {
    const worker = await scheduler('17 3 * * *');
    const schedule = worker.get(CleanupSchedule);
    const next = schedule.nextRun!;
    expect([next.getUTCHours(), next.getUTCMinutes(), next.getUTCSeconds()]).toEqual([3, 17, 0]);
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);
    await worker.close();
    expect(schedule.nextRun).toBeNull();
  });

  it('creates one job when two workers fire the same tick, and another for the next tick', async () => {
    const [a, b] = await Promise.all([scheduler('17 3 * * *'), scheduler('17 3 * * *')]);
    const tick = new Date('2030-01-31T03:17:00.004Z');
    const late = new Date('2030-01-31T03:17:00.950Z');
    const outcomes = await Promise.all([
      a.get(CleanupSchedule).tick(tick),
      b.get(CleanupSchedule).tick(late),
      a.get(CleanupSchedule).tick(late),
      b.get(CleanupSchedule).tick(tick),
    ]);
    expect(outcomes.filter((o) => o.created)).toHaveLength(1);
    expect(new Set(outcomes.map((o) => o.job.id)).size).toBe(1);
    expect(await cleanupJobs('cleanup:2030-01-31T03:17Z')).toEqual([
      {
        user_id: 'system',
        status: 'pending',
        idempotency_key: 'cleanup:2030-01-31T03:17Z',
        messages: 1,
      },
    ]);

    const next = await b.get(CleanupSchedule).tick(new Date('2030-02-01T03:17:00Z'));
    expect(next.created).toBe(true);
    expect(await cleanupJobs('cleanup:2030-02-01T03:17Z')).toHaveLength(1);
  });

  it('schedules nothing when CLEANUP_CRON is off', async () => {
    const worker = await scheduler(null);
    expect(worker.get(CleanupSchedule).nextRun).toBeNull();
  });

  it('is part of the real worker, which runs without it when CLEANUP_CRON is off', async () => {
    const worker = await fx.startWorker({ cleanup: { cron: null } });
    expect(worker.get(CleanupSchedule).nextRun).toBeNull();
  });

  it('refuses to start a schedule for a worker without a cleanup-jobs handler', async () => {
    const error = await scheduler('17 3 * * *', new JobCatalogue([])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]).toMatch(/^CLEANUP_CRON schedules cleanup-jobs/);
  });

  it('submits the job when the cron fires', async () => {
    const before = (await cleanupJobs()).length;
    await scheduler('* * * * * *'); // every second
    await waitUntil(
      async () => (await cleanupJobs()).length > before,
      5000,
      'a cleanup-jobs job from the cron',
    );
    const minute = (ms: number) => `cleanup:${new Date(ms).toISOString().slice(0, 16)}Z`;
    const newest = (await cleanupJobs()).at(-1);
    expect([minute(Date.now()), minute(Date.now() - 60_000)]).toContain(newest?.idempotency_key);
  });
});
