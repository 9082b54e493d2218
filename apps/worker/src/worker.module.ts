import { type AppConfig, AppConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { type AnyHandlerDefinition, JOB_CATALOGUE, StorageScope } from '@app/handlers';
import { JobCatalogueModule } from '@app/jobs';
import { LoggingModule } from '@app/logging';
import { MetricsModule } from '@app/metrics';
import { TracingModule } from '@app/tracing';
import { ProcessorModule } from '@app/processor';
import { ScheduleTickerModule } from '@app/schedules';
import { type DynamicModule, Module } from '@nestjs/common';
import { WorkerHealthModule } from './health/worker-health.module';
import { WorkerMetricsController } from './metrics/metrics.controller';

export const WORKER_CONFIG_SECTIONS = [
  'database',
  'queue',
  'processor',
  'worker',
  'recovery',
  'http',
  'log',
  'cleanup',
  'storage',
  'imports',
  'lambda',
  'metrics',
  'events',
  'shares',
  'tracing',
] as const;
export type WorkerConfig = Pick<AppConfig, (typeof WORKER_CONFIG_SECTIONS)[number]>;

@Module({})
export class WorkerModule {
  /**
   * Runs the job types of JOB_CATALOGUE, each in-process or as a Lambda function per JOB_ROUTES.
   * `extraTypes`: more job types (tests add their own).
   */
  static forRoot(
    config: WorkerConfig,
    extraTypes: readonly AnyHandlerDefinition[] = [],
  ): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        AppConfigModule.forRoot(config),
        JobCatalogueModule.forRoot(
          JOB_CATALOGUE.with(...extraTypes).withStorage(new StorageScope(config.storage)),
        ),
        LoggingModule.forApp('worker'),
        MetricsModule,
        TracingModule,
        DatabaseModule,
        ProcessorModule,
        WorkerHealthModule,
        ScheduleTickerModule,
      ],
      controllers: config.metrics.enabled ? [WorkerMetricsController] : [],
    };
  }
}
