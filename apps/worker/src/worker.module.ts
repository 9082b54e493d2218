import { type AppConfig, AppConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { LoggingModule } from '@app/logging';
import {
  BuiltinHandlersModule,
  HandlerBridgeModule,
  JOB_DEFINITIONS,
  ProcessorModule,
} from '@app/processor';
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
  'storage',
  'lambda',
] as const;
export type WorkerConfig = Pick<AppConfig, (typeof WORKER_CONFIG_SECTIONS)[number]>;

/**
 * The built-in types plus the handlers library's, each run in-process or as a Lambda function
 * per JOB_ROUTES.
 */
export const WORKER_JOB_TYPES: NonNullable<ModuleMetadata['imports']> = [
  BuiltinHandlersModule,
  HandlerBridgeModule.register(JOB_DEFINITIONS),
];

@Module({})
export class WorkerModule {
  /** `handlers`: modules providing @JobHandler classes (tests add their own). */
  static forRoot(
    config: WorkerConfig,
    handlers: ModuleMetadata['imports'] = WORKER_JOB_TYPES,
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
