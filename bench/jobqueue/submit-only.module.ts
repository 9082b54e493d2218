import { type AppConfig, AppConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { JOB_CATALOGUE } from '@app/handlers';
import { JobCatalogueModule, JobSubmissionModule } from '@app/jobs';
import { QueueModule } from '@app/queue';
import { type DynamicModule, Module } from '@nestjs/common';

export const SUBMIT_CONFIG_SECTIONS = ['database', 'queue', 'processor', 'worker', 'shares'] as const;
export type SubmitConfig = Pick<AppConfig, (typeof SUBMIT_CONFIG_SECTIONS)[number]>;

/**
 * The api's submission path without HTTP: what POST /jobs runs after validation
 * (JobSubmissionService: the jobs and their outbox rows in one statement, then the relay's
 * SendMessageBatch to SQS).
 */
@Module({})
export class SubmitOnlyModule {
  static forRoot(config: SubmitConfig): DynamicModule {
    return {
      module: SubmitOnlyModule,
      imports: [
        AppConfigModule.forRoot(config),
        JobCatalogueModule.forRoot(JOB_CATALOGUE),
        DatabaseModule,
        JobSubmissionModule,
        // the outbox relay: sends what submissions write (they signal it, OutboxSignal)
        QueueModule,
      ],
    };
  }
}
