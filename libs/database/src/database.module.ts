import type { AppConfig } from '@app/config';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source-options';

/** The shared TypeORM connection. Migrations run at start when DATABASE_RUN_MIGRATIONS is true. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) =>
        dataSourceOptions(config.get('database', { infer: true })),
    }),
  ],
})
export class DatabaseModule {}
