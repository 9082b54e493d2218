import { type AppConfig, AppConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { JobsModule } from '@app/jobs';
import { LoggingModule } from '@app/logging';
import { type DynamicModule, Module } from '@nestjs/common';
import { HealthModule } from './health/health.module';

export const API_CONFIG_SECTIONS = [
  'database',
  'queue',
  'processor',
  'http',
  'auth',
  'log',
] as const;
export type ApiConfig = Pick<AppConfig, (typeof API_CONFIG_SECTIONS)[number]>;

@Module({})
export class ApiModule {
  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule,
        DatabaseModule,
        JobsModule,
        HealthModule,
      ],
    };
  }
}
