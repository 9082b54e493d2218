import { type AppConfig, AppConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { JobsModule } from '@app/jobs';
import { LoggingModule } from '@app/logging';
import { type DynamicModule, Module } from '@nestjs/common';
import { IdleNotice } from './idle-notice';

export const WORKER_CONFIG_SECTIONS = ['database', 'queue', 'processor', 'http', 'log'] as const;
export type WorkerConfig = Pick<AppConfig, (typeof WORKER_CONFIG_SECTIONS)[number]>;

@Module({})
export class WorkerModule {
  static forRoot(config: WorkerConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [AppConfigModule.forRoot(config), LoggingModule, DatabaseModule, JobsModule],
      providers: [IdleNotice],
    };
  }
}
