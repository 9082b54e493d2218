import { type AppConfig, AppConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { LoggingModule } from '@app/logging';
import { BuiltinHandlersModule, HandlerBridgeModule, JOB_DEFINITIONS } from '@app/processor';
import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AuthModule } from './auth/auth.module';
import { ApiExceptionFilter } from './errors/api-exception.filter';
import { createValidationPipe } from './errors/validation.pipe';
import { HealthModule } from './health/health.module';
import { JobsApiModule } from './jobs/jobs-api.module';

export const API_CONFIG_SECTIONS = [
  'database',
  'queue',
  'processor',
  'http',
  'auth',
  'log',
] as const;
export type ApiConfig = Pick<AppConfig, (typeof API_CONFIG_SECTIONS)[number]>;

/** The built-in types plus the handlers library's, registered for validation (the api runs none). */
export const API_JOB_TYPES: NonNullable<ModuleMetadata['imports']> = [
  BuiltinHandlersModule,
  HandlerBridgeModule.registerTypes(JOB_DEFINITIONS),
];

@Module({})
export class ApiModule {
  /**
   * `handlers`: modules providing @JobHandler classes. The api never runs them; it needs them
   * so the registry can validate new jobs against each type's payload class.
   */
  static forRoot(
    config: ApiConfig,
    handlers: ModuleMetadata['imports'] = API_JOB_TYPES,
  ): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule,
        DatabaseModule,
        AuthModule,
        JobsApiModule,
        HealthModule,
        ...(handlers ?? []),
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
      ],
    };
  }
}
