import { type AppConfig, AppConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { LoggingModule } from '@app/logging';
import { BuiltinHandlersModule, ProcessorModule } from '@app/processor';
import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { CleanupScheduleModule } from './cleanup-schedule/cleanup-schedule.module';
import { WorkerHealthModule } from './health/worker-health.module';

export const WORKER_CONFIG_SECTIONS = [
  'database',
  'queue',
  'processor',
  'worker',
  'recovery',
  'http',
  'log',
  'cleanup',
] as const;
export type WorkerConfig = Pick<AppConfig, (typeof WORKER_CONFIG_SECTIONS)[number]>;

@Module({})
export class WorkerModule {
  /** `handlers`: modules providing @JobHandler classes (tests add their own). */
  static forRoot(
    config: WorkerConfig,
    handlers: ModuleMetadata['imports'] = [BuiltinHandlersModule],
  ): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule,
        DatabaseModule,
        ProcessorModule,
        WorkerHealthModule,
        CleanupScheduleModule,
        ...(handlers ?? []),
      ],
    };
  }
}
