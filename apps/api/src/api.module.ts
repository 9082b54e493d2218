import { type AppConfig, AppConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { type AnyHandlerDefinition, JOB_CATALOGUE, StorageScope } from '@app/handlers';
import { JobCatalogueModule } from '@app/jobs';
import { LoggingModule } from '@app/logging';
import { MetricsModule } from '@app/metrics';
import { TracingModule } from '@app/tracing';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AuthModule } from './auth/auth.module';
import { ApiExceptionFilter } from './errors/api-exception.filter';
import { createValidationPipe } from './errors/validation.pipe';
import { HealthModule } from './health/health.module';
import { JobTypesModule } from './job-types/job-types.module';
import { FairSharesModule } from './fair-shares/fair-shares.module';
import { JobsApiModule } from './jobs/jobs-api.module';
import { SchedulesApiModule } from './schedules/schedules-api.module';
import { MeController } from './me/me.controller';
import { MetricsController } from './metrics/metrics.controller';
import { UploadsModule } from './uploads/uploads.module';
import { EventsModule } from './events/events.module';

export const API_CONFIG_SECTIONS = [
  'database',
  'queue',
  'processor',
  'http',
  'auth',
  'log',
  'storage',
  'metrics',
  'events',
  'shares',
  'tracing',
] as const;
export type ApiConfig = Pick<AppConfig, (typeof API_CONFIG_SECTIONS)[number]>;

@Module({})
export class ApiModule {
  /**
   * Accepts jobs of the types of JOB_CATALOGUE, validated against each type's payload class (the
   * api runs none of them). `extraTypes`: more job types (tests add their own).
   */
  static forRoot(
    config: ApiConfig,
    extraTypes: readonly AnyHandlerDefinition[] = [],
  ): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        AppConfigModule.forRoot(config),
        JobCatalogueModule.forRoot(
          JOB_CATALOGUE.with(...extraTypes).withStorage(new StorageScope(config.storage)),
        ),
        LoggingModule.forApp('api'),
        MetricsModule,
        TracingModule,
        DatabaseModule,
        AuthModule,
        JobsApiModule,
        SchedulesApiModule,
        EventsModule,
        JobTypesModule,
        FairSharesModule,
        UploadsModule,
        HealthModule,
      ],
      controllers: [MeController, ...(config.metrics.enabled ? [MetricsController] : [])],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
      ],
    };
  }
}
